"""A single-session lottery is a group of one (issue 27) on real Redis: the organizers' form opens
it and moves its times until entries close; a v1 lottery opened before the upgrade stays v1."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.registration.lottery import scheduler, specification
from services.registration.lottery import specification_v2 as v2
from tests.conftest import activity_doc
from tests.integration.test_lottery_groups_api import make, ports, window

LATER = timedelta(minutes=30)


def moved(times: dict) -> dict:
    return {k: (datetime.fromisoformat(t) + LATER).isoformat() for k, t in times.items()}


def test_the_organizers_form_opens_a_group_of_one_and_moves_it_only_while_open(store_settings, store_redis):
    app, client, org = make(store_settings, store_redis)
    times = window()
    doc = activity_doc("form-one", allocation="lottery")
    made = client.post("/api/v1/activities", json={**doc, "lottery": times}, headers=org)
    assert made.status_code == 201, made.get_json()
    page = client.get("/api/v1/activities/form-one/lottery").get_json()
    sessions = [s["activity_id"] for s in page["sessions"]]
    assert (page["algorithm"], page["group_id"], sessions) == (v2.ALGORITHM, "form-one", ["form-one"])
    later = moved(times)
    assert (
        client.patch("/api/v1/activities/form-one", json={"lottery": later}, headers=org).status_code == 200
    )
    group = app.extensions["sciday.lottery_groups"]
    assert int(group.meta("form-one")["closes_at"]) == int(
        datetime.fromisoformat(later["closes_at"]).timestamp()
    )
    closed = datetime.fromisoformat(later["closes_at"]).timestamp() + 1
    scheduler.run_once(
        app.extensions["sciday.lotteries"], app.extensions["sciday.settings"], ports(app), closed
    )
    assert group.meta("form-one")["state"] == "frozen"
    same = client.patch(
        "/api/v1/activities/form-one", json={"title": doc["title"], "lottery": later}, headers=org
    )
    assert same.status_code == 200, same.get_json()
    refused = client.patch("/api/v1/activities/form-one", json={"lottery": moved(later)}, headers=org)
    assert (refused.status_code, refused.get_json()["reason"]) == (409, "lottery_closed")
    assert app.extensions["sciday.lotteries"].state("form-one") is None  # never a v1 lottery


def test_a_v1_lottery_opened_before_the_upgrade_stays_v1(store_settings, store_redis):
    before, old, org = make(store_settings, store_redis, lottery_single_v2=False)
    times = window()
    assert old.post("/api/v1/activities/grp-a/lottery", json=times, headers=org).status_code == 201
    commitment = old.get("/api/v1/activities/grp-a/lottery").get_json()["commitment"]
    after = make_again(store_settings, store_redis)  # the upgrade: the same Redis, the switch on
    client = after.test_client()
    again = client.post("/api/v1/activities/grp-a/lottery", json=moved(times), headers=org)
    assert again.status_code == 201, again.get_json()
    form = client.patch("/api/v1/activities/grp-a", json={"lottery": times}, headers=org)
    assert form.status_code == 200, form.get_json()
    page = client.get("/api/v1/activities/grp-a/lottery").get_json()
    assert (page["algorithm"], page["commitment"]) == (specification.ALGORITHM, commitment)
    assert after.extensions["sciday.lottery_groups"].meta("grp-a") is None
    fresh = client.post("/api/v1/activities/grp-b/lottery", json=times, headers=org).get_json()
    assert fresh["algorithm"] == v2.ALGORITHM  # an activity with no lottery yet: a group of one


def make_again(store_settings, store_redis):
    from services.registration.app import create_app

    over = {"require_verified_phone": 1, "rate_limit_ip_per_min": 0, "rate_limit_phone_per_min": 0}
    return create_app(store_settings.with_overrides(**over), redis_client=store_redis)


def test_drawing_a_group_of_one_by_hand_draws_its_round(settings, redis):
    """The organizer's "draw now" on the activity (``POST …/lottery/draw``) draws the group of one
    on its beacon round and answers the v2 JSON (a 404 ``unknown_activity`` before: no v1 lottery)."""
    from services.registration.lottery import group_edge, groups

    app, client, org = make(settings, redis)  # the settings' beacon: the recorded relay
    now = datetime.now().timestamp()
    past = {k: datetime.fromtimestamp(now - h * 3600).astimezone().isoformat()
            for k, h in (("opens_at", 3), ("closes_at", 2), ("draw_at", 1))}  # fmt: skip
    assert client.post("/api/v1/activities/grp-a/lottery", json=past, headers=org).status_code == 201
    with app.test_request_context():
        assert groups.freeze(group_edge.engine(), "grp-a", now)
    drawn = client.post("/api/v1/activities/grp-a/lottery/draw", headers=org)
    assert drawn.status_code == 200, drawn.get_json()
    assert (drawn.get_json()["algorithm"], len(drawn.get_json()["rounds"])) == (v2.ALGORITHM, 1)
