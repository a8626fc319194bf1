"""Issue 29 item 7: the calendar file (.ics) of a registration, from the ticket page's link (the
same unguessable link as the ticket) and attached to the confirmation email (a real aiosmtpd
mailbox, through the real notify worker and broker). Both come from shared/ics.py."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from services.registration.app import create_app
from shared.auth import create_token
from standins.mailbox import attachments, parse
from tests.conftest import activity_doc, wait_for
from tests.integration.notify_support import (
    activity_event,
    gateway,
    mailbox,
    notify_settings,
    phone,
    produce,
    registration_event,
    rid,
    snapshot,
    start_worker,
    topics,
)

PHONE = "13800000001"


@pytest.fixture
def client(settings, redis):
    app = create_app(settings.with_overrides(rate_limit_ip_per_min=0, rate_limit_phone_per_min=0))
    return app.test_client()


@pytest.fixture
def ticket(client, settings, redis) -> dict:
    """A confirmed registration of a fresh activity: its id and its ticket page's path and query."""
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}
    doc = activity_doc("imax-ics", title={"zh": "巨幕影院, 亲子场; 第一场", "en": "IMAX, family show"})
    assert client.post("/api/v1/activities", json=doc, headers=org).status_code == 201
    body = {"name": "张三", "phone": PHONE, "organization": "中国科学院沈阳分院", "party_size": 2}
    r = client.post("/api/v1/activities/imax-ics/registrations", json=body)
    assert r.status_code == 201, r.get_json()
    url = urlsplit(r.get_json()["ticket"]["url"])
    return {"rid": r.get_json()["registration_id"], "page": url.path, "t": url.query[2:], "doc": doc}


def unfolded(data: bytes) -> str:
    return data.decode("utf-8").replace("\r\n ", "")


def test_the_ticket_page_links_a_calendar_file_of_the_activity(client, ticket):
    page = client.get(f"{ticket['page']}?t={ticket['t']}").get_data(as_text=True)
    link = f"/t/{ticket['rid']}/calendar.ics?t={ticket['t']}&amp;lang=zh-CN"
    assert "加入日历" in page and link in page
    r = client.get(link.replace("&amp;", "&"))
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in r.headers["Content-Disposition"] and r.headers["Cache-Control"] == "no-store"
    text = unfolded(r.data)
    assert f"\r\nUID:{ticket['rid']}@" in text and "\r\nSUMMARY:巨幕影院\\, 亲子场\\; 第一场\r\n" in text
    assert "LOCATION:辽宁省科学技术馆 巨幕影院\\, 沈阳市浑南区智慧三街159号" in text
    assert f"/t/{ticket['rid']}?t={ticket['t']}" in text and "开始检票入场" in text
    assert PHONE not in text and "张三" not in text


def test_the_calendar_file_speaks_the_pages_language(client, ticket):
    r = client.get(f"/t/{ticket['rid']}/calendar.ics?t={ticket['t']}&lang=en")
    text = unfolded(r.data)
    assert "SUMMARY:IMAX\\, family show\r\n" in text and "The door opens at" in text


@pytest.mark.parametrize("token", ["", "?t=wrong", "?t="])
def test_without_the_tickets_link_there_is_no_calendar_file(client, ticket, token):
    r = client.get(f"/t/{ticket['rid']}/calendar.ics{token}")
    assert r.status_code == 404 and b"VCALENDAR" not in r.data


def test_the_confirmation_email_attaches_the_calendar_file(notify_settings, redis, topics, gateway, mailbox):
    r, snap = rid(7), snapshot("imax-ics-mail")
    worker = start_worker(notify_settings, redis)
    try:
        confirmed = registration_event(
            "RegistrationConfirmed", "imax-ics-mail", r, phone(7), email="li.si@example.org"
        )
        produce(notify_settings, [activity_event("ActivityPublished", snap), confirmed])
        [mail] = wait_for(lambda: mailbox.messages, what="the confirmation email")
        got = {ctype: (name, data) for name, ctype, data in attachments(parse(mail["raw"]))}
        assert set(got) == {"image/png", "text/calendar"}
        name, data = got["text/calendar"]
        assert name == "sciday.ics" and data.endswith(b"\r\n")
        assert max(len(line) for line in data.split(b"\r\n")) <= 75
        text = unfolded(data)
        assert f"\r\nUID:{r}@127.0.0.1\r\n" in text and "\r\nSUMMARY:巨幕科技工作者专场\r\n" in text
        assert "TRIGGER:-PT120M" in text and f"/t/{r}?t=tok" in text and phone(7) not in text
    finally:
        worker.shutdown()
