"""The activities' documents and counts as the catalogue, the API and the pages read them: one
round trip (a pipeline) for any number of activities.  ``seats_open`` is quota.lua's, read by
``seats_open.lua`` in the same pipeline (issue 29): never Python's arithmetic."""

from __future__ import annotations

import json
from typing import Any

from services.registration.seats.keys import Keys, now_pair

FIELDS = ("doc", "taken", "waitlist_people", "rev", "turned_away", "handed_back", "handback_held")


def read(redis: Any, keys: Keys, seats_open: Any, ids: list[str]) -> list[tuple[dict, dict] | None]:
    """(document, counts) per id, None for an unknown one."""
    pipe, now_ms = redis.pipeline(transaction=False), now_pair()[0]
    for aid in ids:
        pipe.hmget(keys.activity(aid), *FIELDS)
        pipe.zcard(keys.waitlist(aid))
        seats_open(keys=[keys.activity(aid)], args=[now_ms], client=pipe)
    replies = pipe.execute()
    out: list[tuple[dict, dict] | None] = []
    for (doc, taken, wl_people, rev, turned, handed, held), wl_len, open_ in zip(
        replies[::3], replies[1::3], replies[2::3], strict=True
    ):
        if doc is None:
            out.append(None)
            continue
        counts = {
            "taken": taken or 0,
            "waitlist_people": wl_people or 0,
            "rev": rev or 0,
            "waitlist_length": wl_len,
            "turned_away": turned or 0,
            "handed_back": handed or 0,
            "handback_held": held or 0,
            "seats_open": open_[0],
            "window_left": open_[1],
        }
        out.append((json.loads(doc), counts))
    return out
