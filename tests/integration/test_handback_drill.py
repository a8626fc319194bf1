"""The hand-off drill (issue 27 item 3, 国博's 退票不回池): a holder cancels at an agreed instant
while a friend's client fires booking requests in a tight loop from several threads, against the
real registration app, real Redis and the real seat scripts.

With ``handback: waitlist`` the friend gets no seat in any repetition: the seat is handed back
(``seats_handed_back``), never open again. With ``handback: pool`` the same drill gets the seat
every time, so the drill can fail. Each friend thread keeps firing until it holds a seat or has
sent ``AFTER`` requests after the cancel returned: no timing decides anything.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from services.registration.app import create_app
from services.registration.vocabulary import CONFIRMED, HANDBACK_POOL, HANDBACK_WAITLIST, SOLD_OUT
from shared.auth import create_token
from tests.conftest import activity_doc

REPETITIONS, FRIEND_THREADS, AFTER = 15, 4, 8


@pytest.fixture
def app(store_settings, store_redis):
    settings = store_settings.with_overrides(
        require_verified_phone=0, rate_limit_ip_per_min=0, rate_limit_phone_per_min=0, soldout_memo_ms=0
    )
    return create_app(settings, redis_client=store_redis)


@pytest.fixture
def organizer(store_settings, store_redis):
    token = create_token(store_redis, store_settings.redis_prefix, "organizer", "退票演练")
    return {"Authorization": f"Bearer {token}"}


def book(client, aid: str, phone: str):
    body = {"name": "张三", "phone": phone, "party_size": 1, "email": None, "organization": "沈阳分院"}
    return client.post(f"/api/v1/activities/{aid}/registrations", json=body)


def drill(app, organizer, aid: str, handback: str) -> tuple[int, set[str], dict]:
    """One repetition: 2 seats, both held; the holder cancels once every friend thread is firing.
    Returns the friend's seats, the refusals the friend heard, and the activity after."""
    client = app.test_client()
    doc = activity_doc(aid, capacity=2, max_party_size=1, waitlist={"enabled": False}, handback=handback)
    assert client.post("/api/v1/activities", json=doc, headers=organizer).status_code == 201
    holder = book(client, aid, "13900000001").get_json()
    assert book(client, aid, "13900000002").get_json()["status"] == CONFIRMED
    firing, cancelled = threading.Barrier(FRIEND_THREADS + 1), threading.Event()

    def friend(n: int) -> tuple[int, set[str]]:
        own, heard, after, i = app.test_client(), set(), 0, 0
        firing.wait()
        while after < AFTER:
            was_cancelled = cancelled.is_set()
            got = book(own, aid, f"1380{n:03d}{i:04d}").get_json()
            i += 1
            if got.get("status") == CONFIRMED:
                return 1, heard
            heard.add(got.get("reason"))
            after += was_cancelled
        return 0, heard

    with ThreadPoolExecutor(FRIEND_THREADS) as pool:
        friends = [pool.submit(friend, n) for n in range(FRIEND_THREADS)]
        firing.wait()  # the agreed instant: every friend thread is firing
        try:
            token = {"X-Manage-Token": holder["manage_url"].split("t=", 1)[1]}
            gone = client.delete(f"/api/v1/registrations/{holder['registration_id']}", headers=token)
        finally:
            cancelled.set()
        results = [f.result() for f in friends]
    assert gone.status_code == 200, gone.get_json()
    seats = sum(n for n, _ in results)
    heard = set().union(*(h for _, h in results))
    return seats, heard, client.get(f"/api/v1/activities/{aid}").get_json()


def test_a_handed_back_seat_never_reaches_the_friends_loop(app, organizer):
    for rep in range(REPETITIONS):
        seats, heard, after = drill(app, organizer, f"handoff-held-{rep}", HANDBACK_WAITLIST)
        assert seats == 0, f"repetition {rep}: the friend got the handed-back seat"
        assert heard == {SOLD_OUT}
        assert (after["seats_left"], after["seats_handed_back"], after["seats_taken"]) == (0, 1, 1)
        assert after["handback"] == HANDBACK_WAITLIST


def test_the_same_drill_gets_the_seat_when_it_goes_back_to_the_pool(app, organizer):
    for rep in range(REPETITIONS):
        seats, _, after = drill(app, organizer, f"handoff-pool-{rep}", HANDBACK_POOL)
        assert seats == 1, f"repetition {rep}: the drill should take the seat back from the pool"
        assert (after["seats_left"], after["seats_handed_back"], after["seats_taken"]) == (0, 0, 2)
