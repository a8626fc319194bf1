"""On-site standby wired end to end, on real Redis and the real broker: the join page behind the
poster (a verified phone, a signed hand-off to check-in), the scheduler releasing once and calling
in order (two schedulers at once), and notify sending each StandbyCalled by SMS exactly once."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from services.checkin.standby import usecases as sb
from services.checkin.standby.scheduler import tick
from services.checkin.standby.store import StandbyStore
from shared import sealed
from shared.envelope import decode, encode, new_event
from shared.kafka import make_producer
from shared.masking import mask_phone as masked
from shared.outbox import stream_key
from tests.conftest import wait_for
from tests.fair_support import seed_session
from tests.integration.notify_support import (
    activity_event,
    gateway,
    mailbox,
    notify_settings,
    produce,
    snapshot,
    start_worker,
    topics,
)
from tests.integration.test_checkin_api import door, soon, verdict

POLICY = sb.Policy(opens_before_min=60, release_grace_min=10, max_party_size=4)


class _Answer:
    def __init__(self, resp):
        self.status_code, self._json = resp.status_code, resp.get_json()

    def json(self):
        if self._json is None:
            raise ValueError("not JSON")
        return self._json


class InProcess:
    """``requests.Session.post`` onto the check-in app's test client: the signed call, for real."""

    def __init__(self, client):
        self.client = client

    def post(self, url, data, headers, timeout):
        path = "/" + url.split("/", 3)[3]
        return _Answer(self.client.post(path, data=data, headers=headers))


@pytest.fixture
def wired(door):
    """Registration's join page talks to the check-in app of the same test."""
    door.reg.application.extensions["sciday.standby_join"].session = InProcess(door.ck)
    return door


def as_walk_in(door, phone: str) -> None:
    token = seed_session(door.redis, door.settings.redis_prefix, phone)
    door.reg.set_cookie("sciday_session", token)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def take_number(door, aid: str, party: int):
    page = door.reg.get(f"/standby/{aid}")
    return door.reg.post(f"/standby/{aid}", data={"csrf_token": csrf_of(page.text), "party_size": party})


def number_on(html: str) -> int:
    return int(re.search(r'data-number="(\d+)"', html).group(1))


def test_the_join_page_asks_for_a_verified_phone_then_gives_one_number_per_phone(wired):
    wired.activity(soon("sb-join"))
    wired.project()
    page = wired.reg.get("/standby/sb-join")
    assert page.status_code == 200 and "/login?next=/standby/sb-join" in page.text
    assert wired.reg.post("/standby/sb-join", data={"party_size": 2}).status_code == 303
    as_walk_in(wired, "13900000001")
    token = csrf_of(wired.reg.get("/standby/sb-join").text)
    first = take_number(wired, "sb-join", 2)
    assert first.status_code == 201 and number_on(first.text) == 1
    assert "139****0001" in first.text
    shown = wired.reg.get("/standby/sb-join")  # back on the page: its number, no second form
    assert number_on(shown.text) == 1 and 'name="party_size"' not in shown.text
    again = wired.reg.post("/standby/sb-join", data={"csrf_token": token, "party_size": 3})
    assert again.status_code == 200 and number_on(again.text) == 1  # the same phone, the same number
    as_walk_in(wired, "13900000002")
    assert number_on(take_number(wired, "sb-join", 1).text) == 2
    as_walk_in(wired, "13900000003")
    too_many = take_number(wired, "sb-join", 9)
    assert too_many.status_code == 422 and "data-number" not in too_many.text


def test_the_api_needs_a_session_and_passes_check_ins_refusals_through(wired):
    wired.activity(soon("sb-api"))
    wired.project()
    r = wired.reg.post("/api/v1/me/standby/sb-api", json={"party_size": 2})
    assert verdict(r, 401)["reason"] == "phone_not_verified"
    me = {"Authorization": "Bearer " + seed_session(wired.redis, wired.settings.redis_prefix, "13900000003")}
    assert verdict(wired.reg.post("/api/v1/me/standby/sb-api", json={"party_size": 2}, headers=me), 201) == {
        "number": 1,
        "replayed": False,
    }
    r = wired.reg.post(
        "/api/v1/me/standby/sb-api", json={"party_size": 9}, headers={**me, "Accept-Language": "en"}
    )
    body = verdict(r, 422)
    assert body["reason"] == "party_too_large" and body["message"].isascii()


def test_an_unsigned_or_forged_join_is_refused_by_check_in(wired):
    wired.activity(soon("sb-forged"))
    url = "/internal/v1/activities/sb-forged/standby/entries"
    body = b'{"phone": "13900000009", "party_size": 1}'
    assert verdict(wired.ck.post(url, data=body), 401)["reason"] == "unauthorized"
    forged = {"X-Sciday-Timestamp": "1", "X-Sciday-Signature": "hmac-sha256=00"}
    assert verdict(wired.ck.post(url, data=body, headers=forged), 401)["reason"] == "unauthorized"


def test_the_join_page_says_so_when_check_in_does_not_answer(door):
    door.reg.application.extensions["sciday.standby_join"].base = "http://127.0.0.1:9"  # nobody there
    door.activity(soon("sb-down"))
    door.project()
    as_walk_in(door, "13900000004")
    r = take_number(door, "sb-down", 1)
    assert r.status_code == 503 and "现场候补暂时无法登记" in r.text


def test_the_poster_has_a_qr_to_the_join_page_in_one_language(wired):
    wired.activity(soon("sb-poster"))
    zh = wired.reg.get("/standby/sb-poster/poster")
    assert zh.status_code == 200 and "<svg" in zh.text and "/standby/sb-poster</p>" in zh.text
    assert "扫描二维码" in zh.text
    en = wired.reg.get("/standby/sb-poster/poster?lang=en")
    assert "/standby/sb-poster?lang=en</p>" in en.text and "Scan the QR code" in en.text
    assert not re.search(r"[\u4e00-\u9fff]", en.text.replace("辽宁省科学技术馆", "")), "English only"
    assert wired.reg.get("/standby/nope/poster").status_code == 404


def events(redis, settings, kind):
    return [
        e
        for e in (decode(f[b"envelope"]) for _id, f in redis.xrange(stream_key(settings, "ck:outbox")))
        if e["type"] == kind
    ]


def test_two_schedulers_release_once_and_call_each_number_once_in_order(door, settings, redis):
    doc = soon("sb-tick")
    door.activity(doc)
    came, absent = door.register("sb-tick", "13800000001", party=2), door.register("sb-tick", "13800000002")
    door.project()
    verdict(door.scan(came["ticket"]["code"]), 201)
    store, other = StandbyStore(redis, settings), StandbyStore(redis, settings)  # two schedulers
    activity = store.activity("sb-tick")
    for i, size in enumerate([3, 2, 1]):
        sb.join(store, "sb-tick", phone_hash=f"h{i}", phone_masked="139****0000", phone_sealed=f"SX1.notify.1.p{i}", party_size=size, locale="zh-CN",
                now=sb.release_due_at(activity, POLICY) - 600, policy=POLICY)  # fmt: skip
    before = sb.release_due_at(activity, POLICY) - 1
    assert tick(store, POLICY, auto_call=True, now=before) == {}  # not due yet: nothing moves
    due = sb.release_due_at(activity, POLICY)
    first = tick(store, POLICY, auto_call=True, now=due)
    second = tick(other, POLICY, auto_call=True, now=due + 15)
    # 4 seats: number 1 (3 people), then number 2 (2) does not fit and keeps its place, 3 (1) does
    assert first == {"sb-tick": {"released": 4, "called": [1, 3]}}
    assert second == {}
    assert [e["data"]["number"] for e in events(redis, settings, "StandbyCalled")] == [1, 3]
    assert len(events(redis, settings, "StandbySeatsReleased")) == 1
    assert verdict(door.scan(absent["ticket"]["code"]), 409)["reason"] == "seat_released"


def test_nothing_is_released_while_nobody_waits(door, settings, redis):
    door.activity(soon("sb-empty"))
    late = door.register("sb-empty", "13800000001", party=2)
    door.project()
    store = StandbyStore(redis, settings)
    due = sb.release_due_at(store.activity("sb-empty"), POLICY)
    assert tick(store, POLICY, auto_call=True, now=due) == {}
    assert verdict(door.scan(late["ticket"]["code"]), 201)["admitted"] == 2  # the latecomer keeps the seat


def test_each_number_called_reaches_the_walk_in_by_sms_exactly_once(notify_settings, redis, gateway, topics):
    worker = start_worker(notify_settings, redis)
    try:
        snap = snapshot("sb-sms", starts_at=datetime.fromisoformat(soon("sb-sms")["starts_at"]))
        produce(notify_settings, [activity_event("ActivityPublished", snap)])
        ring = sealed.sealer(notify_settings, sealed.NOTIFY)

        def call(n, loc, version):  # version 2 seals the phone for notify (issue 16); 1 had it in clear
            data = {"activity_id": "sb-sms", "number": n, "party_size": 2, "locale": loc}
            phone = f"1390000100{n}"
            data |= {"phone_sealed": ring.seal({"phone": phone}), "phone_masked": masked(phone)} if version == 2 \
                else {"phone": phone}  # fmt: skip
            return new_event("StandbyCalled", "sb-sms", data, version=version, source="checkin")

        one, two, last = call(1, "zh-CN", 2), call(2, "en", 1), call(3, "zh-CN", 2)
        producer = make_producer(notify_settings)
        topic = notify_settings.topic_prefix + "standby-events"
        for env in [one, one, two, one, last]:  # number 1 redelivered and replayed; one partition
            producer.send(topic, key=b"sb-sms", value=encode(env))
        producer.flush(timeout=10)
        producer.close()
        # Number 3 comes after every copy of number 1: once its SMS is out, all were handled.
        wait_for(lambda: "13900001003" in {m["phone"] for m in gateway.messages}, what="the last SMS")
        wait_for(lambda: len(gateway.messages) >= 3, what="three SMS")
        phones = sorted(m["phone"] for m in gateway.messages)
        assert phones == ["13900001001", "13900001002", "13900001003"], phones
        assert [e["channel"] for e in worker.deliveries.entries("standby:sb-sms:1")] == ["sms"]
        text = {m["phone"]: m["text"] for m in gateway.messages}
        assert "现场候补1号" in text["13900001001"] and "Standby number 2" in text["13900001002"]
    finally:
        worker.shutdown()


def test_dashboards_count_standby_apart_and_show_the_lottery(door, settings, redis):
    from datetime import timedelta

    from services.checkin.attendance import festival

    doc = soon("sb-dash")
    door.activity(doc)
    came, _absent = (
        door.register("sb-dash", "13800000001", party=2),
        door.register("sb-dash", "13800000002", 2),
    )
    door.project()
    verdict(door.scan(came["ticket"]["code"]), 201)
    store = StandbyStore(redis, settings)
    activity = store.activity("sb-dash")
    due = sb.release_due_at(activity, POLICY)
    sb.join(store, "sb-dash", phone_hash="h1", phone_masked="139****0001", phone_sealed="SX1.notify.1.p", party_size=2, locale="zh-CN", now=due - 60,
            policy=POLICY)  # fmt: skip
    assert tick(store, POLICY, auto_call=True, now=due) == {"sb-dash": {"released": 2, "called": [1]}}
    admitted = door.ck.post("/api/v1/activities/sb-dash/standby/admissions", json={"number": 1, "gate": "1号门"},
                            headers=door.steward)  # fmt: skip
    verdict(admitted, 201)
    drawn = new_event(
        "LotteryDrawn",
        "sb-dash",
        {"activity_id": "sb-dash", "commitment": "c", "seed": "s", "entries": 30, "people": 70, "winners": 4,
         "seats_won": 9, "waitlisted": 26},
        source="registration",
    )  # fmt: skip
    door.projection.handle(drawn)
    att = verdict(door.ck.get("/api/v1/activities/sb-dash/attendance", headers=door.steward), 200)
    assert (att["checked_in"], att["standby_admitted"], att["remaining"]) == (4, 2, 2)
    assert (att["lottery_entries"], att["lottery_winners"], att["lottery_waitlisted"]) == (30, 4, 26)
    summary = verdict(door.ck.get("/api/v1/summary", headers=door.org), 200)
    [row] = [r for r in summary["activities"] if r["activity_id"] == "sb-dash"]
    assert (row["attended"], row["standby_admitted"], row["lottery_entries"]) == (2, 2, 30)
    assert summary["totals"]["standby_admitted"] >= 2
    after = datetime.fromisoformat(doc["ends_at"]) + timedelta(minutes=1)
    with door.ck.application.test_request_context():
        figures, _ = festival.row("sb-dash", store.activity("sb-dash"), now=after)
    assert (figures["no_shows"], figures["no_show_rate"]) == (2, 0.5)  # walk-ins do not hide a no-show
