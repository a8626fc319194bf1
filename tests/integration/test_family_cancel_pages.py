"""Families are not surprised by cancels, no-show marks and locks (issue 26 item 4), on real Redis:
我的报名's cancel asks first; a cancellation that will count as a no-show says so with the marks
and what one more does; 我的报名 warns at the mark before a lock; a locked person sees the lock
and its end on the activity page instead of the form. The marks are made by the real flow from
the real RegistrationCancelled events, the numbers are the settings' (3 marks lock for 60 days)."""

from __future__ import annotations

import re

import pytest

from services.registration.noshow.worker import build_flow
from shared.envelope import decode
from shared.outbox import stream_key
from tests.conftest import activity_doc
from tests.fair_support import seed_session
from tests.integration.test_checkin_api import door, soon

P = "13800000021"


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def family(door):
    door.token = seed_session(door.redis, door.settings.redis_prefix, P)
    door.reg.set_cookie("sciday_session", door.token)
    return door


def book(door, aid, party):
    """Register ``P`` through the API (a bearer, not the page's cookie, which would need a CSRF token)."""
    door.reg.delete_cookie("sciday_session")
    made = door.register(aid, P, party=party)
    door.reg.set_cookie("sciday_session", door.token)
    return made


def late_cancellations(door, flow, seen: set) -> int:
    """Hand the outbox's new RegistrationCancelled events to the no-show flow, as its worker would."""
    n = 0
    for entry_id, fields in door.redis.xrange(stream_key(door.settings)):
        env = decode(fields[b"envelope"])
        if env["type"] == "RegistrationCancelled" and entry_id not in seen:
            seen.add(entry_id)
            n += len(flow.handle(env))
    return n


def ask(door, rid, lang=""):
    page = door.reg.get("/me" + lang).get_data(True)
    return door.reg.post(f"/me/{rid}/cancel{lang}", data={"csrf_token": csrf(page)})


def cancel(door, rid):
    page = door.reg.get("/me").get_data(True)
    r = door.reg.post(f"/me/{rid}/cancel", data={"csrf_token": csrf(page), "confirm": "1"})
    assert r.status_code == 303


def status(door, rid):
    got = door.reg.get("/api/v1/me/registrations", headers={"Authorization": f"Bearer {door.token}"})
    mine = got.get_json()["registrations"]
    return next(r["status"] for r in mine if r["registration_id"] == rid)


def test_cancel_in_my_registrations_asks_first_and_changes_nothing_until_confirmed(family):
    family.activity(activity_doc("fc-far"))  # three days ahead: not a late cancellation
    rid = book(family, "fc-far", 3)["registration_id"]
    r = ask(family, rid)
    page = r.get_data(True)
    assert r.status_code == 200 and "全部 3 人" in page and 'name="confirm" value="1"' in page
    assert 'action="/me/' + rid + '/cancel"' in page and 'href="/me"' in page
    assert "noshow-late" not in page  # far from the start: no no-show warning
    assert status(family, rid) == "confirmed"
    cancel(family, rid)
    assert status(family, rid) == "cancelled"


def test_late_cancels_warn_with_the_marks_then_my_registrations_warns_then_the_form_shows_the_lock(family):
    flow, seen = (
        build_flow(family.settings, family.redis, family.reg.application.extensions["sciday.seats"]),
        set(),
    )
    rids = []
    for i in range(3):
        family.activity(soon(f"fc-late{i}"))  # starts in 30 minutes: cancelling now counts
        rids.append(book(family, f"fc-late{i}", 2)["registration_id"])
    first = ask(family, rids[0]).get_data(True)
    assert "距开场不足 24 小时，现在取消将计为一次爽约" in first
    assert "您现有爽约记录 0 次（满 3 次暂停报名），取消后将为 1 次" in first
    cancel(family, rids[0])
    cancel(family, rids[1])
    assert late_cancellations(family, flow, seen) == 2
    mine = family.reg.get("/me").get_data(True)
    assert 'id="noshow-warning"' in mine and "再有 1 次将暂停报名 60 天" in mine
    assert (
        family.reg.get(
            "/api/v1/me/registrations", headers={"Authorization": f"Bearer {family.token}"}
        ).get_json()["noshow"]["warning"]
        is True
    )
    third = ask(family, rids[2]).get_data(True)
    assert "取消后将为 3 次" in third and "这次取消后，您将被暂停报名 60 天" in third
    assert third.count("开场前临时取消") == 2  # the two marks, listed
    en = ask(family, rids[2], "?lang=en").get_data(True)
    assert "This cancellation pauses registering for 60 days, until" in en and "取消" not in en
    cancel(family, rids[2])
    assert late_cancellations(family, flow, seen) == 1
    family.activity(activity_doc("fc-next"))
    page = family.reg.get("/a/fc-next?lang=zh-CN").get_data(True)
    assert 'id="noshow-lock"' in page and "因多次爽约，报名已暂停至" in page
    assert page.index('id="noshow-lock"') < page.index('name="consent"')  # told before the form
    assert "noshow-warning" not in family.reg.get("/me").get_data(True)  # locked now, not warned
    en = family.reg.get("/a/fc-next?lang=en").get_data(True)
    assert "you cannot register until" in en and "爽约" not in en


def test_the_manage_link_and_the_erase_page_warn_before_a_late_cancellation_too(family):
    family.activity(soon("fc-manage"))
    made = book(family, "fc-manage", 1)
    rid, token = made["registration_id"], made["manage_url"].split("t=")[1]
    manage = family.reg.get(f"/r/{rid}?t={token}").get_data(True)
    r = family.reg.post(f"/r/{rid}/cancel", data={"csrf_token": csrf(manage), "t": token})
    assert "计为一次爽约" in r.get_data(True)
    assert "计为一次爽约" in family.reg.get(f"/me/{rid}/erase").get_data(True)
    assert status(family, rid) == "confirmed"
