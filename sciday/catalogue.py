"""The demo catalogue: ``data/catalogue.yaml`` turned into activities of the registration service.

The YAML gives times relative to "today" (in Settings.timezone) so the demo never goes stale.
:func:`load_file` computes the dates and returns ``POST /api/v1/activities`` bodies,
:func:`validate` checks them with the API's own schema and :func:`seed` loads them into Redis
without ever overwriting an activity that already exists.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from marshmallow import ValidationError

from services.registration.catalogue import activities
from services.registration.vocabulary import ACTIVITY_EXISTS, CREATE, Refusal
from services.registration.web.schemas import ActivityIn
from shared import events

TZ = activities.TZ
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "catalogue.yaml"

# Fields copied as they are into the API body.
_COPIED = (
    "id",
    "kind",
    "title",
    "description",
    "hall",
    "organizer",
    "capacity",
    "max_party_size",
    "audience",
    "waitlist",
)
# Fields the YAML uses to express times relative to today.
_RELATIVE = (
    "starts_in_days",
    "start_time",
    "duration_minutes",
    "registration_opens_in_days",
    "registration_opens_time",
    "registration_closes_hours_before_start",
)
_FIELDS = set(_COPIED) | set(_RELATIVE) | {"venue"}
# Fields that may be left out (the API's default applies): real_name (issue 14).
_OPTIONAL = ("real_name", "allocation", "lottery", "hall_en", "handback")  # 15; hall_en: 26; handback: 27
# A lottery activity's times, in minutes after seeding (the demo's draw happens while you watch).
LOTTERY_KEYS = {"entries_close_in_minutes", "draw_in_minutes", "confirm_hours"}


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the entry and what is wrong."""


def today_in_shanghai() -> date:
    return datetime.now(TZ).date()


def _clock(entry: str, field: str, value: Any) -> time:
    # Unquoted 19:00 is read by YAML 1.1 as the sexagesimal integer 1140; insist on a string.
    if not isinstance(value, str):
        raise CatalogueError(f'{entry}: {field} must be a quoted "HH:MM" string, got {value!r}')
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise CatalogueError(f'{entry}: {field} is not a valid "HH:MM" time: {value!r}') from None


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=TZ)


def to_activity(item: dict, venues: dict[str, dict], today: date) -> dict:
    """One YAML activity entry as an ``ActivityIn`` body, dated relative to ``today``."""
    entry = f"activity {item.get('id', '?')!r}"
    missing = sorted(_FIELDS - set(item))
    unknown = sorted(set(item) - _FIELDS - set(_OPTIONAL))
    if missing or unknown:
        raise CatalogueError(f"{entry}: missing fields {missing}, unknown fields {unknown}")
    if item["venue"] not in venues:
        raise CatalogueError(f"{entry}: unknown venue {item['venue']!r} (known: {sorted(venues)})")
    start_clock = _clock(entry, "start_time", item["start_time"])
    opens_clock = _clock(entry, "registration_opens_time", item["registration_opens_time"])
    try:
        starts = _at(today + timedelta(days=int(item["starts_in_days"])), start_clock)
        ends = starts + timedelta(minutes=int(item["duration_minutes"]))
        opens = _at(today + timedelta(days=int(item["registration_opens_in_days"])), opens_clock)
        closes = starts - timedelta(hours=float(item["registration_closes_hours_before_start"]))
    except (TypeError, ValueError) as exc:
        raise CatalogueError(f"{entry}: bad relative time: {exc}") from None
    doc = {k: item[k] for k in _COPIED}
    doc.update({k: item[k] for k in _OPTIONAL if k in item})
    spec = item.get("lottery")
    if (item.get("allocation") == "lottery") != (spec is not None):
        raise CatalogueError(f"{entry}: allocation: lottery and a lottery: entry go together")
    if spec is not None and (not isinstance(spec, dict) or set(spec) != LOTTERY_KEYS):
        raise CatalogueError(f"{entry}: lottery needs exactly {sorted(LOTTERY_KEYS)}")
    if spec is not None and not 0 < spec["entries_close_in_minutes"] <= spec["draw_in_minutes"]:
        raise CatalogueError(f"{entry}: lottery entries must close after seeding and before the draw")
    doc.update(
        venue=dict(venues[item["venue"]]),
        starts_at=activities.iso(starts),
        ends_at=activities.iso(ends),
        registration_opens_at=activities.iso(opens),
        registration_closes_at=activities.iso(closes),
    )
    return doc


def load_file(path: str | Path = DEFAULT_PATH, today: date | None = None) -> list[dict]:
    """Read the catalogue and return the activities as ``POST /api/v1/activities`` bodies."""
    today = today or today_in_shanghai()
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict) or not isinstance(data.get("activities"), list):
        raise CatalogueError(f"{path}: expected a mapping with an 'activities' list")
    venues = {}
    for v in data.get("venues") or []:
        if not isinstance(v, dict) or not {"id", "name"} <= set(v):
            raise CatalogueError(f"{path}: venue {v!r} needs at least an id and a name")
        venues[v["id"]] = {"id": v["id"], "name": v["name"], "address": v.get("address", "")}
        venues[v["id"]].update({k: v[k] for k in ("name_en", "address_en") if k in v})  # issue 26
    return [to_activity(item, venues, today) for item in data["activities"]]


def validate(docs: list[dict]) -> list[dict]:
    """Check every document with the API's ``ActivityIn`` schema; return the loaded data."""
    loaded, seen = [], set()
    for i, doc in enumerate(docs):
        name = f"activity #{i + 1} {doc.get('id', '?')!r}"
        try:
            loaded.append(ActivityIn().load({k: v for k, v in doc.items() if k != "lottery"}))
        except ValidationError as exc:
            raise CatalogueError(f"{name} is not valid: {exc.messages}") from exc
        if doc["id"] in seen:
            raise CatalogueError(f"{name}: the id is used twice")
        seen.add(doc["id"])
    return loaded


def seed(store, docs: list[dict], lotteries=None, now: float | None = None, groups=None) -> tuple[int, int]:
    """Create each activity in ``store`` (a ``SeatStore``) unless its id exists already.

    Idempotent: an existing activity is counted and left untouched, so an organizer's edits
    survive re-seeding. A new lottery activity also gets its lottery opened in ``lotteries`` (a
    ``LotteryStore``): entries from ``now``, the seed committed; with ``groups`` (the v2 groups'
    engine, issue 27) it is the group of one. Returns ``(created, existing)``.
    """
    created = existing = 0
    for spec_doc, loaded in zip(docs, validate(docs), strict=True):
        doc = activities.to_doc(loaded)
        try:
            store.put_activity(
                doc,
                mode=CREATE,
                expected_rev=None,
                event_type=events.ACTIVITY_PUBLISHED,
                event_data={"activity": activities.snapshot(doc)},
            )
        except Refusal as exc:
            if exc.reason != ACTIVITY_EXISTS:
                raise
            existing += 1
        else:
            created += 1
            if lotteries is not None and spec_doc.get("lottery"):
                at = now if now is not None else time_now()
                if groups is not None:
                    open_group_of_one(groups, doc, spec_doc["lottery"], at)
                else:
                    open_lottery(lotteries, doc, spec_doc["lottery"], at)
    return created, existing


def time_now() -> float:
    return datetime.now(TZ).timestamp()


def open_lottery(lotteries, doc: dict, spec: dict, now: float) -> str:
    """Open a seeded lottery activity's lottery: entries now, closing and drawn minutes later."""
    from services.registration.lottery import draw as lot

    return lot.open_lottery(
        lotteries,
        lot.Lottery(
            doc["id"],
            int(doc["capacity"]),
            now,
            now + 60 * spec["entries_close_in_minutes"],
            now + 60 * spec["draw_in_minutes"],
            int(spec["confirm_hours"]),
            int(doc["max_party_size"]),
        ),
    )


def open_group_of_one(eng, doc: dict, spec: dict, now: float) -> dict:
    """Open a seeded lottery activity's group of one (issue 27): the same times as v1's."""
    from services.registration.lottery import single

    return single.set_times(
        eng,
        doc["id"],
        opens_at=now,
        closes_at=now + 60 * spec["entries_close_in_minutes"],
        draw_at=now + 60 * spec["draw_in_minutes"],
        confirm_hours=int(spec["confirm_hours"]),
    )


def group_engine(settings, redis, lotteries):
    """The v2 groups' engine for seeding (None with ``SCIDAY_LOTTERY_SINGLE_V2`` off): the
    scheduler's, over the stack's key ring (receipts are signed with the ticket key)."""
    if not settings.lottery_single_v2:
        return None
    from services.registration.bootstrap import bootstrap
    from services.registration.lottery.scheduler import group_engine as engine
    from shared.tickets import KeyRing

    return engine(lotteries, settings, bootstrap(settings, redis, KeyRing.load_or_create(settings.keys_dir)))
