"""A registration's personal fields: what rests in Redis and what the events carry (issue 16).

The record in ``{p}act:{aid}:regs`` keeps no name, phone, email, manage token or link in clear:

- ``personal``    those fields sealed for this service (shared/sealed.py, purpose "registration");
- ``for_notify``  name, phone, email, links and ticket code sealed for notify: the events carry it
                  as ``sealed`` (shared/events.py, version 2), and only notify can open it;
- ``phone_ref``   a keyed hash of the phone, for the one-party-per-phone index (reserve.lua);
- ``name_masked``, ``phone_masked``  what screens and the door show (张*, 138****5678).

:func:`in_clear` opens ``personal`` again for the code that reads a record; an erased record has
no ``personal`` left, and shows its masked forms only.
"""

from __future__ import annotations

from typing import Any

from shared import shredding
from shared.keyfile import keyed
from shared.masking import mask_name, mask_phone
from shared.sealed import Sealer

PERSONAL = ("name", "phone", "email", "manage_token", "manage_url", "ticket_url")
FOR_NOTIFY = ("name", "phone", "email", "manage_url", "ticket_url", "ticket_code")
# Issue 29 (代预约): the phone of the person booked for, sealed in both copies when given (notify
# sends them the ticket too); ``proxy_person`` is their keyed hash (access/fair.py).
ATTENDEE = ("attendee_phone",)
SEALED = ("personal", "for_notify", "phone_ref", "data_key")
# What erase.lua removes from a record: every personal field, its masked and hashed forms included.
ERASED = (
    *SEALED,
    *PERSONAL,
    *ATTENDEE,
    "name_masked",
    "phone_masked",
    "members",
    "id_hashes",
    "organization",
    "proxy_person",
)
ERASED_NAME = "—"


def phone_ref(secret: bytes, phone: str) -> str:
    return keyed(secret, "phone", phone)


def goer_ref(secret: bytes, reg: dict[str, Any]) -> str:
    """The one-registration-per-phone index's entry: the phone of the person who goes. Booked for
    someone else (issue 29, 代预约): their phone, else their ID (a real-name activity), else the
    helper's phone, as for a booking of one's own."""
    if reg.get("attendee_phone"):
        return phone_ref(secret, reg["attendee_phone"])
    if reg.get("proxy_person") and reg.get("id_hashes"):
        return keyed(secret, "phone", "id:" + reg["id_hashes"][0])
    # issue 29: a walk-in booked at the window may have no phone: a ref of its own, so the
    # one-party-per-phone index never joins two phoneless parties
    return phone_ref(secret, reg["phone"] or f"none:{reg['registration_id']}")


def attendee(reg: dict[str, Any]) -> dict[str, Any]:
    """The attendee's contact fields a record holds (issue 29), none for a booking of one's own."""
    return {k: reg[k] for k in ATTENDEE if reg.get(k)}


def notify_fields(reg: dict[str, Any]) -> dict[str, Any]:
    """What a record's copy for notify holds (``for_notify``)."""
    return {k: reg.get(k) for k in FOR_NOTIFY} | attendee(reg)


def for_notify(notify: Sealer, aid: str, subject: str, fields: dict[str, Any]) -> tuple[str, str]:
    """Issue 23: ``fields`` sealed under a new data key of their own (shared/shredding.py), and that
    key wrapped under notify's ring, which the seat script moves to ``{p}shred:{aid}``."""
    key = shredding.new_key()
    return shredding.seal(key, aid, subject, fields), shredding.wrap(notify, key)


def at_rest(reg: dict[str, Any], mine: Sealer, notify: Sealer, secret: bytes) -> dict[str, Any]:
    """The record as Redis keeps it; ``data_key`` goes to ``{p}shred:{aid}`` (reserve.lua)."""
    rec = {k: v for k, v in reg.items() if k not in PERSONAL and k not in ATTENDEE}
    sealed, data_key = for_notify(notify, reg["activity_id"], reg["registration_id"], notify_fields(reg))
    rec.update(
        personal=mine.seal({k: reg.get(k) for k in PERSONAL} | attendee(reg)),
        for_notify=sealed,
        data_key=data_key,
        phone_ref=goer_ref(secret, reg),
        name_masked=mask_name(reg["name"]),
        phone_masked=mask_phone(reg["phone"]),
    )
    return rec


def in_clear(rec: dict[str, Any], mine: Sealer | None) -> dict[str, Any]:
    """The record as the code reads it: personal fields opened (masked ones once erased)."""
    if "personal" not in rec and "erased_at" not in rec:
        return rec  # written before issue 16
    out = {k: v for k, v in rec.items() if k not in SEALED}
    if "personal" in rec and mine is not None:
        out.update(mine.open(rec["personal"]))
    else:
        out.update(
            name=rec.get("name_masked") or ERASED_NAME,
            phone=rec.get("phone_masked", ""),
            email=None,
            manage_token="",
            manage_url="",
            ticket_url="",
        )
    return out


# -- lottery entries (issue 16 for issue 15 §1): sealed as a registration is ----------------------
# An entry in ``{p}lot:entries:{aid}`` keeps its contact fields and its confirmation token sealed
# for this service (``personal``), and the contact fields again for notify (``for_notify``: the
# LotteryEntryWon / LotteryEntryWaitlisted events carry it as ``sealed``, version 2), with the
# masked forms beside them.  The party size, locale, masked members and fair-access hashes stay as
# they are: the draw and 我的报名 read them without a key.
ENTRY_PERSONAL = ("name", "phone", "email", "manage_url", "token")
ENTRY_FOR_NOTIFY = ("name", "phone", "email", "manage_url")


def entry_at_rest(
    entry: dict[str, Any], mine: Sealer, notify: Sealer, shred: tuple[str, str] | None = None
) -> dict[str, Any]:
    """A lottery entry as Redis keeps it.  With ``shred`` (activity id, entry id) the copy for
    notify is sealed under the entry's own data key (issue 23), returned as ``data_key`` for
    lottery_enter.lua to keep in ``{p}shred:{aid}``."""
    rec = {k: v for k, v in entry.items() if k not in ENTRY_PERSONAL}
    contact = {k: entry.get(k) for k in ENTRY_FOR_NOTIFY}
    if shred is not None:
        rec["for_notify"], rec["data_key"] = for_notify(
            notify, shred[0], shredding.entry_subject(shred[1]), contact
        )
    rec.update(
        personal=mine.seal({k: entry.get(k) for k in ENTRY_PERSONAL}),
        for_notify=rec.get("for_notify") or notify.seal(contact),
        name_masked=mask_name(entry.get("name") or ""),
        phone_masked=mask_phone(entry.get("phone") or ""),
    )
    return rec


def entry_in_clear(rec: dict[str, Any], mine: Sealer) -> dict[str, Any]:
    """A lottery entry as the code reads it (one written before issue 16 is already in clear)."""
    if "personal" not in rec:
        return rec
    out = {k: v for k, v in rec.items() if k not in ("personal", "for_notify")}
    out.update(mine.open(rec["personal"]))
    return out
