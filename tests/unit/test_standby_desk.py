"""Issue 26: the steward's standby desk on the store and its Lua (session Redis): the list in order,
masked, no sealed phone; "call the next that fits" (``most = 1``) skips a party too big for the
free seats without losing its place; who was admitted shows on the list."""

from __future__ import annotations

import json

from services.checkin import vocabulary as V
from services.checkin.standby import usecases as sb
from tests.unit.test_standby import START, join, port

__all__ = ["port"]


def test_the_desk_lists_every_number_masked_and_calls_the_next_that_fits(port):
    p = port({"r1": (3, 0)})  # a party of 3 never came: 3 seats for standby
    for phone, party in (("a", 4), ("b", 2), ("c", 1)):
        join(p, phone, party)
    sb.release(
        p, "imax-1", now=START + 900, occurred_at="2027-05-20T19:15:00+08:00", policy=sb.Policy(60, 10, 4)
    )
    assert [(c["number"], c["party_size"]) for c in sb.call(p, "imax-1", most=1, occurred_at="t1")] == [
        (2, 2)
    ]
    assert [c["number"] for c in sb.call(p, "imax-1", most=1, occurred_at="t2")] == [3]  # 1 seat: number 3
    assert sb.call(p, "imax-1", most=1, occurred_at="t3") == []  # no seat left; 1 keeps its place
    sb.admit(p, "imax-1", 2, gate="东门", at="2027-05-20T19:20:00+08:00")
    desk = sb.desk(p, "imax-1")
    assert (desk["seats_free"], desk["waiting"], desk["admitted"]) == (0, 1, 2)
    rows = [(e["number"], e["party_size"], e["status"], e.get("gate")) for e in desk["entries"]]
    assert rows == [(1, 4, V.WAITING, None), (2, 2, V.ADMITTED, "东门"), (3, 1, V.CALLED, None)]
    assert all(e["phone_masked"] == "139****0000" for e in desk["entries"])
    assert "SX1" not in json.dumps(desk)  # the phone sealed for notify never reaches a steward


def test_the_list_is_for_the_venues_staff_only(port, store_settings, store_redis):
    from services.checkin.app import create_app
    from shared.auth import create_token
    from tests.unit.test_standby import ACT, show

    p = port()
    show(p, {**ACT, "venue": {"id": "ln-stm", "name": "辽宁省科学技术馆"}})
    join(p, "a", 2)
    client = create_app(store_settings, redis_client=store_redis).test_client()

    def get(venue: str):
        token = create_token(store_redis, store_settings.redis_prefix, "steward", "候补台", venue)
        return client.get(
            "/api/v1/activities/imax-1/standby/list", headers={"Authorization": f"Bearer {token}"}
        )

    mine, other = get("ln-stm"), get("other-venue")
    assert mine.status_code == 200 and mine.get_json()["entries"][0]["phone_masked"] == "139****0000"
    assert (other.status_code, other.get_json()["reason"]) == (403, V.FORBIDDEN)
    assert client.get("/api/v1/activities/imax-1/standby/list").status_code == 401
