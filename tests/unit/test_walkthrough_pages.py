"""Issue 17 on the registrant pages and the activity form, on the Redis stores and their Lua:
dropping one member and cancelling both ask first; 往期活动 and the list's filters; times over
midnight; when registration opens; empty fields say 必填 / Required, all errors at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import ValidationError

from services.registration import vocabulary as v
from services.registration.bootstrap import EXTENSION
from services.registration.seats import publishing, usecases
from services.registration.web.schemas import ActivityIn, ActivityPatch
from shared import events
from shared.config import LOCAL_ZONE
from shared.i18n import RULES, localize
from tests.unit.registration_ports import outbox
from tests.unit.registration_scenarios import activity_doc
from tests.unit.test_registration_pages_i18n import app_on_redis, assert_one_language

TZ = LOCAL_ZONE


def local(y, mo, d, h, mi):
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


@pytest.fixture(scope="module")
def site(tmp_path_factory, redis_server):
    app, ports = app_on_redis(redis_server, tmp_path_factory.mktemp("keys"))
    now = ports.clock.now()
    year = now.astimezone(TZ).year + 1

    def publish(aid, **over):
        publishing.publish_activity(ports, activity_doc(ports, aid, **over))

    publish("family", capacity=10, audience="public")
    publish("talk", kind="lecture", audience="public")
    publish(
        "night",
        kind="dome",
        starts_at=local(year, 12, 2, 23, 4),
        ends_at=local(year, 12, 3, 0, 34),
        registration_closes_at=local(year, 12, 2, 12, 0),
    )
    publish("later", registration_opens_at=now + timedelta(days=1))
    publish(
        "ended",
        starts_at=now - timedelta(hours=3),
        ends_at=now - timedelta(hours=1),
        registration_opens_at=now - timedelta(days=3),
        registration_closes_at=now - timedelta(hours=4),
    )
    form = {"name": "张三", "phone": "13900000011", "party_size": 3, "email": None, "organization": None}
    reg = usecases.register(ports, "family", form)
    solo = usecases.register(ports, "family", dict(form, phone="13900000012", party_size=1))
    return app, ports, {"family": reg, "solo": solo}


def get(app, path, lang="zh-CN"):
    sep = "&" if "?" in path else "?"
    return app.test_client().get(f"{path}{sep}lang={lang}")


def post(app, path, lang="zh-CN", **form):
    client = app.test_client()
    page = client.get(f"/a/family?lang={lang}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(f"{path}?lang={lang}", data={"csrf_token": token, **form})


def section(html: str, id_: str) -> str:
    m = re.search(rf'id="{id_}".*?</(ul|section)>', html, re.S)
    return m.group(0) if m else ""


# -- the activity list ------------------------------------------------------------------------
def test_ended_activities_move_to_past_activities(site):
    html = get(site[0], "/").get_data(as_text=True)
    assert "往期活动" in html
    assert "/a/ended" in section(html, "past") and "/a/ended" not in section(html, "upcoming")
    assert "/a/family" in section(html, "upcoming") and "/a/family" not in section(html, "past")


def test_the_list_filters_by_kind_and_by_day(site):
    app = site[0]
    only_talks = section(get(app, "/?kind=lecture").get_data(as_text=True), "upcoming")
    assert "/a/talk" in only_talks and "/a/family" not in only_talks
    night_day = f"{datetime.now(TZ).year + 1}-12-03"  # the second day of the activity over midnight
    that_day = section(get(app, f"/?day={night_day}").get_data(as_text=True), "upcoming")
    assert "/a/night" in that_day and "/a/talk" not in that_day
    none = get(app, "/?kind=exhibition").get_data(as_text=True)
    assert "没有符合条件的活动" in none


def test_a_time_over_midnight_names_both_dates(site):
    zh = get(site[0], "/a/night").get_data(as_text=True)
    assert "12月2日（周" in zh and "23:04 – 12月3日 00:34" in zh
    en = get(site[0], "/a/night", "en").get_data(as_text=True)
    assert re.search(r"02 Dec \d{4}, 23:04 – \w{3} 03 Dec 00:34", en)


def test_registration_not_open_says_when_it_opens(site):
    app = site[0]
    opens = publishing.activity(site[1], "later")[0]["registration_opens_at"]
    when = datetime.fromisoformat(opens).astimezone(TZ)
    zh = get(app, "/a/later").get_data(as_text=True)
    assert f"报名尚未开始，{when.month}月{when.day}日 {when:%H:%M} 开放报名" in zh
    assert f"{when:%d %b} {when:%H:%M}" in get(app, "/a/later", "en").get_data(as_text=True)
    assert f"{when.month}月{when.day}日 {when:%H:%M} 开放" in get(app, "/").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("path", ["/", "/?kind=lecture", "/a/night", "/a/later", "/a/ended"])
def test_the_new_list_and_form_texts_speak_one_language(site, path, lang):
    assert_one_language(get(site[0], path, lang), lang, "场馆检修")


# -- cancelling and dropping a member ask first ------------------------------------------------
def test_cancelling_asks_for_confirmation_first(site):
    app, ports, regs = site
    solo = regs["solo"]
    path = f"/r/{solo['registration_id']}/cancel"
    asked = post(app, path, t=solo["manage_token"])
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "无法恢复" in html and 'name="confirm" value="1"' in html
    assert ports.seats.get_registration(solo["registration_id"])["status"] == v.CONFIRMED  # nothing yet
    done = post(app, path, t=solo["manage_token"], confirm="1")
    assert done.status_code == 303
    assert ports.seats.get_registration(solo["registration_id"])["status"] == v.CANCELLED


def test_a_family_drops_one_member_after_confirming_and_keeps_a_valid_ticket(site):
    app, ports, regs = site
    reg = regs["family"]
    rid, tok = reg["registration_id"], reg["manage_token"]
    manage = get(app, f"/r/{rid}?t={tok}").get_data(as_text=True)
    assert "减少一人（改为 2 人）" in manage
    asked = post(app, f"/r/{rid}/drop", t=tok, member="1")
    assert asked.status_code == 200 and "其余 2 人的报名保留" in asked.get_data(as_text=True)
    assert ports.seats.get_registration(rid)["party_size"] == 3  # nothing yet
    done = post(app, f"/r/{rid}/drop", t=tok, member="1", confirm="1")
    assert done.status_code == 303 and "dropped=1" in done.headers["Location"]
    after = ports.seats.get_registration(rid)
    assert (after["status"], after["party_size"]) == (v.CONFIRMED, 2)
    assert after["ticket_code"] != reg["ticket_code"] and after["ticket_code"].split(".")[4] == "2"
    assert int(publishing.activity(ports, "family")[1]["taken"]) == 2  # one seat back (solo cancelled)
    assert events.REGISTRATION_MEMBER_DROPPED in [e["envelope"]["type"] for e in outbox(ports)]
    shown = get(app, done.headers["Location"]).get_data(as_text=True)
    assert "已移除一人" in shown
    ticket = get(app, f"/t/{rid}?t={tok}")
    assert ticket.status_code == 200 and "2 人" in ticket.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_confirmation_pages_speak_one_language(site, lang):
    app, _ports, regs = site
    reg = regs["family"]
    for action, extra in (("cancel", {}), ("drop", {"member": "1"})):
        resp = post(app, f"/r/{reg['registration_id']}/{action}", lang, t=reg["manage_token"], **extra)
        assert resp.status_code == 200
        assert_one_language(resp, lang)


def test_the_favicon_is_served_not_a_404(site):
    client = site[0].test_client()
    assert client.get("/favicon.ico").status_code == 301
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and b"<svg" in icon.data


# -- the activity form: 必填, all errors at once ------------------------------------------------
EMPTY = {
    "id": "",
    "kind": "imax",
    "title": {"zh": " ", "en": ""},
    "venue": {"id": "", "name": "", "address": ""},
    "hall": "",
    "starts_at": None,
    "ends_at": "2026-12-02T10:00:00+08:00",
    "capacity": None,
    "max_party_size": 4,
    "audience": "public",
    "registration_opens_at": "2026-12-03T10:00:00+08:00",
    "registration_closes_at": "2026-12-01T10:00:00+08:00",
}


@pytest.mark.parametrize("schema", [ActivityIn, ActivityPatch])
def test_empty_required_fields_say_required_and_time_order_comes_in_the_same_answer(schema):
    body = dict(EMPTY) if schema is ActivityIn else {k: val for k, val in EMPTY.items() if k != "id"}
    with pytest.raises(ValidationError) as err:
        schema().load(body)
    zh, en = localize(err.value.messages, "zh-CN"), localize(err.value.messages, "en")
    for got, word in ((zh, "必填项"), (en, "Required.")):
        assert got["title"]["zh"] == [word] and got["starts_at"] == [word]
        assert "hall" not in got  # issue 26: an empty hall is a place without halls (a square, a park)
        assert got["venue"] == {"id": [word], "name": [word]} and got["capacity"] == [word]
    assert zh["registration_closes_at"] == ["须晚于报名开始时间"]
    assert en["registration_closes_at"] == ["Must be after registration opens."]
    if schema is ActivityIn:
        assert zh["id"] == ["必填项"]


def test_the_core_names_only_declared_time_rules():
    from services.registration.catalogue import activities

    for name in (activities.AFTER_START, activities.AFTER_REGISTRATION_OPENS, activities.NOT_AFTER_START):
        assert name in RULES


# -- the festival dashboard: "未到" and "未到率" agree ---------------------------------------------
def _row(aid, *, confirmed, checked_in, ended, status="scheduled"):
    return {
        "activity_id": aid,
        "status": status,
        "capacity": 5000,
        "confirmed": confirmed,
        "waitlisted": 0,
        "checked_in": checked_in,
        "remaining": max(confirmed - checked_in, 0),
        "denied": 0,
        "ended": ended,
        "no_shows": max(confirmed - checked_in, 0) if ended else None,
        "no_show_rate": None,
        "attended": checked_in,  # issue 26: the figures' one home (attendance/figures.py)
        "to_come": 0 if ended else max(confirmed - checked_in, 0),
        # issue 15's figures (standby, lottery), none here
        **dict.fromkeys(("standby_admitted", "lottery_entries", "lottery_winners", "lottery_waitlisted"), 0),
    }


def test_no_shows_and_their_rate_are_counted_over_the_same_ended_activities():
    from services.checkin.attendance.festival import totals

    rows = [
        _row("yesterday", confirmed=200, checked_in=181, ended=True),
        _row("tomorrow", confirmed=4857, checked_in=0, ended=False),
        _row("gone", confirmed=50, checked_in=0, ended=True, status="cancelled"),
    ]
    got = totals(rows)
    assert got["no_shows"] == 19 and got["no_show_rate"] == pytest.approx(19 / 200)
    assert got["to_come"] == 4857  # shown apart as 待入场, never as 未到
    assert got["remaining"] == 19 + 4857  # the API's old sum, unchanged


def test_no_rate_when_nobody_was_expected_at_the_ended_activities():
    from services.checkin.attendance.festival import totals

    got = totals(
        [
            _row("empty", confirmed=0, checked_in=0, ended=True),
            _row("soon", confirmed=9, checked_in=0, ended=False),
        ]
    )
    assert (got["no_shows"], got["no_show_rate"], got["to_come"]) == (0, None, 9)


def test_a_real_name_party_removes_the_member_chosen_and_the_registrant_stays(site):
    from services.registration.access.fair import FairPolicy
    from tests.fair_support import member

    app, ports = site[0], site[1]
    ports.fair, ports.secret = (
        FairPolicy(id_per_day=0, id_per_festival=0, rate_limit_phone_per_min=0, rate_limit_id_per_min=0),
        b"walkthrough",
    )
    try:
        publishing.publish_activity(ports, activity_doc(ports, "realname", real_name=True, audience="public"))
        people = [member(40, "王大明"), member(41, "王小红"), member(42, "李四")]
        form = {"name": "王大明", "phone": None, "party_size": 3, "members": people}
        reg = usecases.register(ports, "realname", form, session_phone="13800000040")
    finally:
        ports.fair = None
    rid, tok = reg["registration_id"], reg["manage_token"]
    manage = get(app, f"/r/{rid}?t={tok}").get_data(as_text=True)
    assert manage.count("移除此人") == 2 and "（报名人）" in manage  # not for the registrant
    asked = post(app, f"/r/{rid}/drop", t=tok, member="1").get_data(as_text=True)
    assert "确定移除 王** 吗" in asked  # the masked name of the member chosen
    post(app, f"/r/{rid}/drop", t=tok, member="1", confirm="1")
    after = ports.seats.get_registration(rid)
    assert [m["name_masked"] for m in after["members"]] == ["王**", "李*"] and after["party_size"] == 2
    refused = post(app, f"/r/{rid}/drop", t=tok, member="0", confirm="1")
    assert refused.status_code == 422 and "报名人本人不能被移除" in refused.get_data(as_text=True)
