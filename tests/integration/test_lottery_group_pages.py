"""The v2 lottery group's pages and the fairness JSON on real Redis (issue 27): before the freeze,
an unknown group, the activity's draw page leading to its group, downloads only for the entrant."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.registration import vocabulary as v
from shared.auth import create_token
from tests.conftest import activity_doc
from tests.e2e.test_door import TZ


@pytest.fixture
def client(settings, redis):
    from services.registration.app import create_app

    c = create_app(settings, redis_client=redis).test_client()
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}
    now = datetime.now(TZ).replace(microsecond=0)
    for aid in ("ga", "gb", "gc"):
        assert (
            c.post(
                "/api/v1/activities", json=activity_doc(aid, allocation="lottery"), headers=org
            ).status_code
            == 201
        )
    window = {
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "draw_at": (now + timedelta(hours=2)).isoformat(),
    }
    for gid, sessions in (("g2", ["ga", "gb"]), ("gc", ["gc"])):  # a group of two, and gc's group of one
        body = {"group_id": gid, "activity_ids": sessions, **window}
        assert c.post("/api/v1/lottery-groups", json=body, headers=org).status_code == 201
    return c


def test_before_the_freeze_the_figures_are_empty_and_the_page_says_the_root_comes_at_the_close(client):
    f = client.get("/api/v1/lottery-groups/g2/fairness").get_json()
    assert (f["entries"], f["rounds_drawn"], f["rate"], f["by_round"]) == (0, 0, None, [])
    assert [s["activity_id"] for s in f["sessions"]] == ["ga", "gb"]
    for lang in ("zh-CN", "en"):
        page = client.get(f"/lottery/g/g2?lang={lang}")
        assert (
            page.status_code == 200 and b'id="merkle-pending"' in page.data and b'id="seed"' not in page.data
        )
        assert client.get(f"/lottery/g/g2/fairness?lang={lang}").status_code == 200


def test_an_unknown_group_is_a_404_in_its_words(client):
    r = client.get("/api/v1/lottery-groups/nope/fairness", headers={"Accept-Language": "en"})
    assert r.status_code == 404 and r.get_json()["reason"] == v.UNKNOWN_GROUP
    assert client.get("/lottery/g/nope").status_code == 404
    assert client.get("/lottery/g/nope/fairness").status_code == 404


def test_the_activity_leads_to_its_group(client):
    for aid, gid in (("gc", "gc"), ("gb", "g2")):
        r = client.get(f"/lottery/{aid}")
        assert r.status_code == 303 and r.headers["Location"].endswith(f"/lottery/g/{gid}")
    for url in ("/a/gb?g=g2", "/a/gb"):  # a session of the group of two, from its page or not
        page = client.get(url).get_data(as_text=True)
        assert "/lottery/g/g2" in page and 'action="/a/gb/group-entry?g=g2"' in page
    assert 'name="choice_2"' in page and 'name="choice_3"' not in page  # as many ranks as sessions


def test_the_list_shows_each_session_by_its_group(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert page.count("state-lot_open") == 3 and "state-lot_unopened" not in page


def test_downloads_are_the_entrants_only(client):
    r = client.get("/me/lottery/g/g2/e0000000000000000/receipt.json")
    assert r.status_code == 303 and "/login" in r.headers["Location"]
