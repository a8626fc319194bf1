"""The check-in service's words: statuses, verdict reasons (HTTP status and text), events.

Everything that names a status, a reason or an event of the door takes it from here:

- Python refers to the constants (``vocabulary.REVOKED``);
- the Lua scripts ``--#include vocabulary.lua``, generated from this module (:func:`lua`);
- the scanner's JS imports ``static/js/vocabulary.js``, generated from this module (:func:`js`);
- the OpenAPI descriptions of the check-in blueprints come from :func:`describe`.

``python -m shared.wordgen`` rewrites both generated files (and every other); a unit test fails when
they are out of date.  A reason's text is a msgid (the English), said in zh-CN from the service's
catalogue (``translations/``, docs/i18n.md); ``vocabulary.js`` carries both languages from it, so
the scanner speaks offline. Texts may hold ``{name}`` placeholders, filled from the refusal's
details by :meth:`shared.words.Words.say` here and by ``say()`` in ``static/js/verdict.js``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from shared import errors
from shared import events as ev
from shared.errors import COMMON_REASONS
from shared.msgid import N_
from shared.topics import CHECKIN_EVENTS, STANDBY_EVENTS
from shared.wordgen import Generated, header, js_file, js_reasons, lua_words
from shared.words import Reason, reasons

HERE: Final = Path(__file__).parent

# -- statuses ----------------------------------------------------------------------------------
# The outcome of one atomic step (admit.lua, undo.lua) and of one scan answered by the API.
OK: Final = "ok"
DENIED: Final = "denied"
# Registration statuses as the projection records them (the registration service's words).
CONFIRMED: Final = "confirmed"
WAITLISTED: Final = "waitlisted"
CANCELLED: Final = "cancelled"
# An activity snapshot's status: the door only asks whether it is ``cancelled`` (as above).
# Which side of the check-in window a scan fell on (detail of ``invalid_time``).
TOO_EARLY: Final = "too_early"
TOO_LATE: Final = "too_late"
# The scanner's verdict panel waits for the steward to count the party in.
PARTY: Final = "party"
# Issue 23: the panel waits for each real-name member's ID card.
CARD: Final = "card"
# A standby number's status (issue 15 §3; standby_join/call/admit.lua).  The registration service
# reads them from check-in's answer (services/registration/vocabulary.py mirrors them).
WAITING: Final = "waiting"
CALLED: Final = "called"
ADMITTED: Final = "admitted"
STANDBY_STATUSES: Final = (WAITING, CALLED, ADMITTED)
# Issue 29: a registration's channel as registration's events carry it (its vocabulary_quota.py).
CH_GROUP: Final = "group"  # a school's or an institute's group: one ticket, door rules' CARDS_WAIVED

STATUSES: Final[Mapping[str, str]] = {
    "OK": OK,
    "DENIED": DENIED,
    "CONFIRMED": CONFIRMED,
    "WAITLISTED": WAITLISTED,
    "CANCELLED": CANCELLED,
    "TOO_EARLY": TOO_EARLY,
    "TOO_LATE": TOO_LATE,
    "PARTY": PARTY,
    "CARD": CARD,
    "WAITING": WAITING,
    "CALLED": CALLED,
    "ADMITTED": ADMITTED,
}

# -- events (the shared vocabulary names them: shared/events.py, shared/topics.py) ---------------
SOURCE: Final = "checkin"
CHECKIN_RECORDED: Final = ev.CHECKIN_RECORDED
CHECKIN_DENIED: Final = ev.CHECKIN_DENIED
CHECKIN_REVERTED: Final = ev.CHECKIN_REVERTED
EVENT_TYPES: Final = (CHECKIN_RECORDED, CHECKIN_DENIED, CHECKIN_REVERTED)
TOPIC: Final = CHECKIN_EVENTS
# On-site standby's own stream (issue 15).
STANDBY_TOPIC: Final = STANDBY_EVENTS
STANDBY_SEATS_RELEASED: Final = ev.STANDBY_SEATS_RELEASED
STANDBY_CALLED: Final = ev.STANDBY_CALLED


# -- reasons -----------------------------------------------------------------------------------
INVALID: Final = "invalid"
REVOKED: Final = "revoked"
ALREADY_CHECKED_IN: Final = "already_checked_in"
WRONG_VENUE: Final = "wrong_venue"
INVALID_TIME: Final = "invalid_time"
ACTIVITY_CANCELLED: Final = "activity_cancelled"
UNKNOWN_CHECKIN: Final = "unknown_checkin"
ALREADY_REVERTED: Final = "already_reverted"
UNKNOWN_ACTIVITY: Final = "unknown_activity"
UNKNOWN_REGISTRATION: Final = "unknown_registration"  # issue 17: the manual lookup's admit
FORBIDDEN: Final = errors.FORBIDDEN
UNAUTHORIZED: Final = errors.UNAUTHORIZED
SEAT_RELEASED: Final = "seat_released"
# On-site standby (issue 15; services/checkin/standby/usecases.py).
STANDBY_NOT_OPEN: Final = "standby_not_open"
STANDBY_CLOSED: Final = "standby_closed"
PARTY_TOO_LARGE: Final = "party_too_large"
RELEASE_NOT_DUE: Final = "release_not_due"
UNKNOWN_NUMBER: Final = "unknown_number"
NOT_CALLED: Final = "not_called"
UNKNOWN_KEY: Final = "unknown_key"
NO_STATE: Final = "no_state"
# The door (issue 16): an offline scan's own time refused; a gate open for other activities only.
BAD_SCAN_TIME: Final = "bad_scan_time"
WRONG_GATE: Final = "wrong_gate"
# Issue 23: a device token bound to its gates, used at another (finding 7).
GATE_NOT_ALLOWED: Final = "gate_not_allowed"
# Issue 23: the ID card read matches no member of the party; a member's card is needed.
ID_MISMATCH: Final = "id_mismatch"
ID_REQUIRED: Final = "id_required"
# Issue 26: an undo of "other" needs the supervisor's note; why an admission was undone (undo.lua).
UNDO_NOTE_REQUIRED: Final = "undo_note_required"
UNDO_REASONS: Final = ("wrong_ticket", "wrong_count", "not_entered", "at_scanner", "other")
UNDO_AT_SCANNER, UNDO_OTHER = UNDO_REASONS[3], UNDO_REASONS[4]  # a bare undo is the scanner's
# Common reasons (shared/errors.py) the check-in API answers besides its own.
RATE_LIMITED: Final = errors.RATE_LIMITED
VALIDATION_FAILED: Final = errors.VALIDATION_FAILED

# Keys of ``Reason.more``.
LOCAL: Final = "local"
OPENS_AT: Final = "opens_at"
OTHER_VENUE: Final = "other_venue"
HINT: Final = "hint"
# The door (issue 16): the day named when it is not today; whose ticket it is; why a time was refused.
OPENS_ON: Final = "opens_on"
CLOSED_ON: Final = "closed_on"
TICKET_FOR: Final = "ticket_for"
FUTURE: Final = "future"
BEFORE_ONLINE: Final = "before_online"
NO_MARK: Final = "no_mark"
STALE_MARK: Final = "stale_mark"

OFFLINE: Final = N_("Cannot check offline")  # the text of two offline-only reasons

REASONS: Final[Mapping[str, Reason]] = reasons(
    Reason(INVALID, 400, N_("Not a valid ticket")),
    Reason(REVOKED, 409, N_("Ticket cancelled")),
    Reason(
        ALREADY_CHECKED_IN, 409, N_("Already checked in {at} {gate}"), {LOCAL: N_("this device's record")}
    ),
    Reason(
        WRONG_VENUE,
        409,
        N_("Ticket is for another venue"),
        {TICKET_FOR: N_("This ticket is for {title} at {venue}")},
    ),
    Reason(
        INVALID_TIME,
        409,
        N_("Outside the check-in window"),
        {
            TOO_EARLY: N_("Too early"),
            TOO_LATE: N_("Check-in has closed"),
            OPENS_AT: N_("Doors open at {at}"),
            OPENS_ON: N_("Doors open on {date} at {at}"),
            CLOSED_ON: N_("This session ended on {date} at {at}"),
        },
    ),
    Reason(ACTIVITY_CANCELLED, 409, N_("Activity cancelled")),
    Reason(
        WRONG_GATE,
        409,
        N_("This gate is not open for this activity"),
        {TICKET_FOR: N_("This ticket is for {title}")},
    ),
    Reason(
        BAD_SCAN_TIME,
        409,
        N_("Scan time not accepted"),
        {
            FUTURE: N_("The scan time is in the future"),
            BEFORE_ONLINE: N_("The scan time is before this device was last online"),
            NO_MARK: N_("The offline scan has no online mark"),
            STALE_MARK: N_("Offline for too long: check by hand"),
        },
    ),
    Reason(UNKNOWN_CHECKIN, 404, N_("No such check-in")),
    Reason(ALREADY_REVERTED, 409, N_("This check-in was already undone")),
    Reason(UNKNOWN_ACTIVITY, 404, N_("No such activity")),
    Reason(UNKNOWN_REGISTRATION, 404, N_("No such registration")),
    Reason(
        SEAT_RELEASED,
        409,
        N_("Seat released to standby"),
        {HINT: N_("Not scanned by the start plus the grace period")},
    ),
    Reason(STANDBY_NOT_OPEN, 409, N_("Standby has not opened yet")),
    Reason(STANDBY_CLOSED, 409, N_("Standby has closed")),
    Reason(PARTY_TOO_LARGE, 422, N_("Party size exceeds the limit")),
    Reason(RELEASE_NOT_DUE, 409, N_("Seats are released at the start plus the grace period")),
    Reason(UNKNOWN_NUMBER, 404, N_("No such standby number")),
    Reason(NOT_CALLED, 409, N_("This standby number has not been called")),
    Reason(
        FORBIDDEN, 403, N_("This token may not scan"), {OTHER_VENUE: N_("This token is for another venue")}
    ),
    Reason(UNAUTHORIZED, 401, N_("Token not valid: sign in again")),
    Reason(UNKNOWN_KEY, None, OFFLINE, {HINT: N_("Unknown key: scan again when online")}),
    Reason(NO_STATE, None, OFFLINE, {HINT: N_("This device has no keys yet")}),
    Reason(GATE_NOT_ALLOWED, 403, N_("This token is not for this gate")),
    Reason(
        ID_MISMATCH,
        409,
        N_("ID card does not match the booking"),
        {HINT: N_("This card is not any member's of this booking")},
    ),
    Reason(
        ID_REQUIRED,
        409,
        N_("Read the ID card"),
        {HINT: N_("Real-name booking: each member shows their own card")},
    ),
    Reason(UNDO_NOTE_REQUIRED, 422, N_("Say in a note why this check-in is undone")),
    catalogue=HERE / "translations",
)


def http_status(code: str) -> int:
    """The HTTP status of a reason (the service's own first, then the common ones)."""
    reason = REASONS.get(code)
    if reason is not None and reason.http is not None:
        return reason.http
    return COMMON_REASONS.get(code, (409, ""))[0]


def message(code: str, locale: str, variant: str = "", **values: object) -> str:
    """A reason's text in ``locale``; with a ``variant`` (e.g. ``too_early``) that text instead."""
    return REASONS[code].message(locale, variant, **values)


def describe(*codes: str) -> str:
    """``Reason codes: invalid (400), revoked (409), …`` for a blueprint's OpenAPI description."""
    return "Reason codes: " + ", ".join(f"{c} ({http_status(c)})" for c in codes) + "."


def alternatives(*codes: str) -> str:
    """``revoked | already_checked_in`` for an ``alt_response`` description."""
    return " | ".join(codes)


# -- generated files -----------------------------------------------------------------------------
LUA_PATH: Final = HERE / "vocabulary.lua"
JS_PATH: Final = HERE / "static" / "js" / "vocabulary.js"
_SOURCE: Final = "services/checkin/vocabulary.py"

# The words the Lua scripts read, by table (shared/wordgen.py ``LUA_GROUPS``: STATUS.OK, REASON.REVOKED, …).
LUA_TABLES: Final[Mapping[str, Mapping[str, str]]] = {
    "STATUS": {
        "OK": OK,
        "DENIED": DENIED,
        "CONFIRMED": CONFIRMED,
        "WAITING": WAITING,
        "CALLED": CALLED,
        "ADMITTED": ADMITTED,
        "CH_GROUP": CH_GROUP,
    },
    "REASON": {
        "REVOKED": REVOKED,
        "ALREADY_CHECKED_IN": ALREADY_CHECKED_IN,
        "UNKNOWN_CHECKIN": UNKNOWN_CHECKIN,
        "ALREADY_REVERTED": ALREADY_REVERTED,
        "SEAT_RELEASED": SEAT_RELEASED,
        "WRONG_GATE": WRONG_GATE,
        "UNKNOWN_NUMBER": UNKNOWN_NUMBER,
        "NOT_CALLED": NOT_CALLED,
        "ID_MISMATCH": ID_MISMATCH,
        "ID_REQUIRED": ID_REQUIRED,
    },
    "TOPIC": {"CHECKIN_EVENTS": TOPIC, "STANDBY_EVENTS": STANDBY_TOPIC},
    "EVENT": {
        "CHECKIN_RECORDED": CHECKIN_RECORDED,
        "CHECKIN_DENIED": CHECKIN_DENIED,
        "CHECKIN_REVERTED": CHECKIN_REVERTED,
        "STANDBY_SEATS_RELEASED": STANDBY_SEATS_RELEASED,
        "STANDBY_CALLED": STANDBY_CALLED,
    },
}


def lua() -> str:
    return lua_words(header(LUA_PATH, _SOURCE) + "\n", LUA_TABLES, SOURCE)


def js() -> str:
    codes = {code.upper(): code for code in REASONS}
    return js_file(
        header(JS_PATH, _SOURCE, "//"), {"STATUS": STATUSES, "REASON": codes, "REASONS": js_reasons(REASONS)}
    )


GENERATED = (Generated(LUA_PATH, lua), Generated(JS_PATH, js))
