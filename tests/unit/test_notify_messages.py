"""Message templates (zh-CN and en, SMS and email) and the email they make; no servers."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image

from services.notify.channels.email import build
from services.notify.delivery import messages
from standins.mailbox import attachments, parse

ACTIVITY = {
    "id": "imax-1",
    "title": {"zh": "巨幕科技工作者专场", "en": "IMAX special screening"},
    "venue": {"id": "ln-stm", "name": "辽宁省科学技术馆", "address": "沈阳市浑南区智慧三街159号"},
    "hall": "巨幕影院",
    "starts_at": "2026-05-30T14:00:00+08:00",
    "ends_at": "2026-05-30T16:00:00+08:00",
    "status": "scheduled",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def intent(locale="zh-CN", template="confirmed", **ctx):
    reg = {
        "registration_id": "r1",
        "name": "Li" if locale == "en" else "李四",
        "party_size": 3,
        "phone": "13812345678",
        "email": "li@example.org",
        "locale": locale,
        "ticket_code": "SD1.abc",
        "ticket_url": "http://x/t/r1?t=tok",
        "manage_url": "http://x/r/r1?t=tok",
    }
    return {
        "notification_id": "n" * 32,
        "recipient": "li@example.org",
        "template": template,
        "locale": locale,
        "reg": reg,
        "context": ctx,
    }


CONTEXT = {
    "waitlist_position": 4,
    "offset_min": 120,
    "reason": "",
    "changed": ["hall", "starts_at"],
    "before": dict(
        ACTIVITY, hall="球幕影院", starts_at="2026-05-30T10:00:00+08:00", ends_at="2026-05-30T12:00:00+08:00"
    ),
}


@pytest.mark.parametrize("template", messages.TEMPLATES)
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_every_template_renders_in_both_languages_and_channels(template, locale, channel):
    r = messages.render(
        template, channel, locale, messages.variables(intent(locale, template, **CONTEXT), ACTIVITY)
    )
    assert r.text.strip() and "{{" not in r.text and "None" not in r.text
    title = "IMAX special screening" if locale == "en" else "巨幕科技工作者专场"
    assert title in r.text
    if channel == "sms":
        assert "\n" not in r.text and r.subject == ""
        assert len(r.text) <= 300  # a few SMS segments at most
    else:
        assert r.subject and title in r.subject
    if locale == "en":  # only the data (venue, address, halls) may be Chinese
        rest = r.subject + r.text
        for data in ("辽宁省科学技术馆", "沈阳市浑南区智慧三街159号", "巨幕影院", "球幕影院"):
            rest = rest.replace(data, "")
        assert not CJK.search(rest), rest


@pytest.mark.parametrize("template", ["confirmed", "promoted", "reminder"])
def test_messages_with_a_ticket_give_time_place_party_and_link(template):
    v = messages.variables(intent(template=template, **CONTEXT), ACTIVITY)
    r = messages.render(template, "email", "zh-CN", v)
    for part in ("5月30日（周六）14:00–16:00", "辽宁省科学技术馆", "巨幕影院", "3 人", "http://x/t/r1?t=tok"):
        assert part in r.text
    assert r.attach_qr


def test_waitlist_message_gives_the_position_and_no_ticket():
    r = messages.render(
        "waitlisted", "sms", "zh-CN", messages.variables(intent(template="waitlisted", **CONTEXT), ACTIVITY)
    )
    assert "第4位" in r.text and "/t/" not in r.text and not r.attach_qr


def test_activity_change_names_what_changed_before_and_after():
    v = messages.variables(intent(template="activity_changed", **CONTEXT), ACTIVITY)
    email = messages.render("activity_changed", "email", "zh-CN", v).text
    assert "场厅：球幕影院 → 巨幕影院" in email
    assert "时间：5月30日（周六）10:00–12:00 → 5月30日（周六）14:00–16:00" in email
    sms = messages.render(
        "activity_changed",
        "sms",
        "en",
        messages.variables(intent("en", "activity_changed", **CONTEXT), ACTIVITY),
    ).text
    assert "the time and hall of" in sms


@pytest.mark.parametrize(
    "locale, text", [("zh-CN", "5月30日（周六）14:00–16:00"), ("en", "Sat 30 May, 14:00–16:00")]
)
def test_times_are_shown_in_the_festival_time_zone(locale, text):
    assert messages.format_when("2026-05-30T06:00:00+00:00", "2026-05-30T08:00:00+00:00", locale) == text


def test_an_activity_over_midnight_shows_both_days():
    assert (
        messages.format_when("2026-05-30T22:00:00+08:00", "2026-05-31T01:00:00+08:00", "zh-CN")
        == "5月30日（周六）22:00–5月31日 01:00"
    )


def test_unknown_locales_fall_back_to_chinese():
    assert messages.locale_of("fr") == "zh-CN" and messages.locale_of("en") == "en"


def test_the_confirmation_email_attaches_a_qr_that_decodes_to_the_ticket_code():
    it = intent()
    r = messages.render("confirmed", "email", "zh-CN", messages.variables(it, ACTIVITY))
    msg = parse(bytes(build(it, r, "科技节 <noreply@sciday.local>")))
    assert msg["Message-ID"] == f"<{'n' * 32}@sciday.notify>"
    [(name, ctype, png)] = attachments(msg)
    assert (name, ctype) == ("ticket-qr.png", "image/png")
    assert [d.text for d in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == ["SD1.abc"]


def test_messages_without_a_ticket_attach_nothing():
    it = intent(template="cancelled")
    r = messages.render("cancelled", "email", "zh-CN", messages.variables(it, ACTIVITY))
    assert attachments(parse(bytes(build(it, r, "x@example.org")))) == []


@pytest.mark.parametrize("reason", ["场馆设备检修。", "场馆设备检修", "场馆设备检修！ ", "equipment repair."])
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_cancellation_sms_ends_with_one_full_stop_whatever_the_reason_ends_with(reason, locale):
    values = messages.variables(intent(locale, "activity_cancelled", reason=reason), ACTIVITY)
    text = messages.render("activity_cancelled", "sms", locale, values).text
    assert "。。" not in text and ".." not in text and "！。" not in text and ".)" not in text
    assert reason.strip().rstrip("。.！ ") in text


def test_english_messages_name_the_place_in_english_where_it_was_given():
    """Issue 26: venues and halls have English names; an English message uses them."""
    named = {
        **ACTIVITY,
        "venue": {**ACTIVITY["venue"], "name_en": "Science Museum", "address_en": "1 Main St"},
        "hall_en": "Dome",
    }
    en = messages.variables(intent("en", **CONTEXT), named)
    zh = messages.variables(intent("zh-CN", **CONTEXT), named)
    assert (en["venue"], en["address"], en["hall"]) == ("Science Museum", "1 Main St", "Dome")
    assert (zh["venue"], zh["hall"]) == (ACTIVITY["venue"]["name"], ACTIVITY["hall"])
    bare = messages.variables(intent("en", **CONTEXT), ACTIVITY)  # none given: the Chinese
    assert (bare["venue"], bare["hall"]) == (ACTIVITY["venue"]["name"], ACTIVITY["hall"])
