"""Activity rules, in plain Python: windows, the snapshot consumers get, what a change changed."""

from __future__ import annotations

from datetime import datetime

from services.registration.ports import Doc
from services.registration.vocabulary import FCFS, HANDBACK_POOL, HANDBACK_WAITLIST, LOTTERY, SCHEDULED
from shared.config import LOCAL_ZONE
from shared.tickets import checkin_window

TZ = LOCAL_ZONE  # Settings.timezone
SNAPSHOT_FIELDS = (
    "id",
    "kind",
    "title",
    "venue",
    "hall",
    "starts_at",
    "ends_at",
    "capacity",
    "max_party_size",
    "status",
)
# Changes registrants are told about (the notify service reads ActivityChanged.changed).
NOTIFIABLE = ("starts_at", "ends_at", "hall", "venue")


def iso(dt: datetime) -> str:
    return dt.astimezone(TZ).isoformat()


def parse(value: str | datetime) -> datetime:
    """An aware datetime; a naive one is in Settings.timezone (never the machine's own zone)."""
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=TZ)


def ms(value: str | datetime) -> int:
    return int(parse(value).timestamp() * 1000)


def to_doc(loaded: Doc, status: str = SCHEDULED) -> Doc:
    """The stored JSON document of an activity, from ``ActivityIn`` output."""
    doc = dict(loaded)
    for f in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        doc[f] = iso(parse(doc[f]))
    doc.setdefault("status", status)
    doc.setdefault("cancel_reason", "")
    return doc


def merge(doc: Doc, patch: Doc) -> Doc:
    merged = dict(doc)
    for k, v in patch.items():
        merged[k] = iso(v) if isinstance(v, datetime) else v
    return merged


# Field rules of shared/i18n.py (zh-CN and en there); named here, not imported, so the core
# loads without Flask.
AFTER_START = "after_start"
AFTER_REGISTRATION_OPENS = "after_registration_opens"
NOT_AFTER_START = "not_after_start"


def validate_times(doc: Doc) -> dict[str, list[str]]:
    """Cross-field checks on a whole document (a PATCH may move only one end)."""
    errors: dict[str, list[str]] = {}
    if parse(doc["ends_at"]) <= parse(doc["starts_at"]):
        errors["ends_at"] = [AFTER_START]
    if parse(doc["registration_closes_at"]) <= parse(doc["registration_opens_at"]):
        errors["registration_closes_at"] = [AFTER_REGISTRATION_OPENS]
    elif parse(doc["registration_closes_at"]) > parse(doc["starts_at"]):
        errors["registration_closes_at"] = [NOT_AFTER_START]
    return errors


def handback(doc: Doc, defaults: dict[str, str]) -> str:
    """Where the activity's handed-back seats go (issue 27): its own ``handback``, else the default
    for its allocation (``defaults``: allocation -> Settings.handback_fcfs / handback_lottery)."""
    chosen: str = doc.get("handback") or defaults[doc.get("allocation", FCFS)]
    return chosen


def state(doc: Doc, handback_to: str = "", quotas: Doc | None = None) -> Doc:
    """The fields the seat scripts read, as the strings Redis stores; ``handback_to`` is
    :func:`handback` of the document (the script keeps it with the counts); ``quotas`` is
    seats/quota_schemas.quota_state of it (issue 29: quota.lua's configuration)."""
    wl = doc.get("waitlist") or {}
    return {
        "id": doc["id"],
        "doc": _json(doc),
        "status": doc["status"],
        "opens_at": ms(doc["registration_opens_at"]),
        "closes_at": ms(doc["registration_closes_at"]),
        "starts_at": ms(doc["starts_at"]),
        "capacity": int(doc["capacity"]),
        "max_party_size": int(doc["max_party_size"]),
        "waitlist_enabled": "1" if wl.get("enabled", True) else "0",
        "waitlist_max": int(wl.get("max_length", 200)),
        "venue_id": doc["venue"]["id"],
        "handback_held": "1" if handback_to == HANDBACK_WAITLIST else "0",
        "quotas": quotas or {},
    }


def by_lottery(doc: Doc) -> bool:
    """Whether the activity's seats are drawn by lot (entered, never booked first come)."""
    allocation: str = doc.get("allocation", FCFS)
    return allocation == LOTTERY


def snapshot(doc: Doc) -> Doc:
    snap = {k: doc[k] for k in SNAPSHOT_FIELDS}
    snap["venue"] = {k: doc["venue"].get(k, "") for k in ("id", "name", "address", "name_en", "address_en")}
    snap["hall_en"] = doc.get("hall_en", "")  # issue 26: English pages of check-in and notify
    return snap


def changed(old: Doc, new: Doc) -> list[str]:
    return sorted(k for k in set(old) | set(new) if k != "status" and old.get(k) != new.get(k))


def ticket_window(doc: Doc, opens_before_min: int) -> tuple[int, int]:
    """The check-in window signed into the activity's tickets (shared/tickets.checkin_window)."""
    return checkin_window(parse(doc["starts_at"]), parse(doc["ends_at"]), opens_before_min)


def view(doc: Doc, counts: Doc) -> Doc:
    """The activity as the API and pages show it; ``seats_left`` is the seat scripts' own
    ``seats_open`` (quota.lua through seats_open.lua, issue 29: kept seats are not left)."""
    taken = int(counts.get("taken", 0))
    handed_back = int(counts.get("handed_back", 0))
    out = dict(doc)
    out.setdefault("allocation", FCFS)  # activities stored before issue 15
    out.update(
        handback=HANDBACK_WAITLIST if int(counts.get("handback_held", 0)) else HANDBACK_POOL,
        seats_taken=taken,
        seats_left=max(int(counts.get("seats_open", 0)), 0),
        seats_handed_back=handed_back,
        waitlist_length=int(counts.get("waitlist_length", 0)),
        waitlist_people=int(counts.get("waitlist_people", 0)),
        turned_away=int(counts.get("turned_away", 0)),
        revision=int(counts.get("rev", 0)),
    )
    return out


def _json(doc: Doc) -> str:
    import json

    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
