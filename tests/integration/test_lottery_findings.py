"""Issue 23's lottery findings on real Redis: what a refused entry tells another phone (finding 10)
and the per-ID day and festival caps at entry and at settlement (finding 4)."""

from __future__ import annotations

import json

from tests.fair_support import bearer, member, seed_session
from tests.integration.test_lottery_wired import AID, app, enter, opened, org, phone


def test_already_entered_tells_another_phone_nothing_of_the_other_entry(app, org, redis, settings):
    client, _draw_at = opened(app, org)
    first = enter(client, redis, settings, 1)
    assert first.status_code == 201, first.get_json()
    entry_id = first.get_json()["entry_id"]
    other = client.post(  # another phone, one member shared with the first entry
        f"/api/v1/activities/{AID}/lottery/entries",
        json={"name": "李四", "organization": "中国科学院", "party_size": 1, "members": [member(100)]},
        headers=bearer(seed_session(redis, settings.redis_prefix, phone(77))),
    )
    assert (other.status_code, other.get_json()["reason"]) == (409, "already_entered")
    text = json.dumps(other.get_json(), ensure_ascii=False)
    assert entry_id not in text and "entry_id" not in text
    assert phone(1) not in text and phone(1)[-4:] not in text
