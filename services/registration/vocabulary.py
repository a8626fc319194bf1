"""The registration service's words: statuses, reason codes and field rules.

Every status a registration or an activity can be in, and every reason the service refuses
with, is declared here once, with its HTTP status and its message (a msgid: the English text,
said in zh-CN from the service's gettext catalogue, docs/i18n.md). The use cases raise
:class:`shared.refusal.Refusal` (a reason code and details, no HTTP status); the HTTP edge
(``services/registration/web/edge.py``) is the only reader of ``Reason.http``. The field rules
(``field_rules.py``), the queue's and the channels' words are re-exported here."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from services.registration import vocabulary_queue as vq
from services.registration.field_rules import *  # noqa: F403 (every rule; callers say v.PHONE_EMPTY)
from services.registration.vocabulary_queue import *  # noqa: F403 (issue 28)
from services.registration.vocabulary_quota import *  # noqa: F403 (issue 29)
from shared.msgid import N_, NP_, text
from shared.refusal import Refusal as Refusal  # every module raises v.Refusal
from shared.words import Reason, reasons

CATALOGUE: Final = Path(__file__).parent / "translations"

# -- statuses --------------------------------------------------------------------------------
# A registration (one party's booking).
CONFIRMED: Final = "confirmed"
WAITLISTED: Final = "waitlisted"
CANCELLED: Final = "cancelled"
REGISTRATION_STATUSES: Final = (CONFIRMED, WAITLISTED, CANCELLED)
# What an export calls a registration's status: the code in English, its msgid.
STATUS_TEXT: Final[Mapping[str, str]] = {
    CONFIRMED: NP_("registration status", "confirmed"),
    WAITLISTED: NP_("registration status", "waitlisted"),
    CANCELLED: NP_("registration status", "cancelled"),
}
# An activity.
SCHEDULED: Final = "scheduled"
ACTIVITY_CANCELLED: Final = "cancelled"
ACTIVITY_STATUSES: Final = (SCHEDULED, ACTIVITY_CANCELLED)

# Outcomes of the seat scripts besides a registration status.
REPLAY: Final = "replay"  # the same Idempotency-Key or id was seen: the first outcome stands
REFUSED: Final = "refused"
ALREADY: Final = "already"  # cancelling a cancelled registration
OK: Final = "ok"

# How a party may be written into the seat state ("create" refuses an existing activity).
CREATE: Final = "create"
UPDATE: Final = "update"

# -- reason codes ----------------------------------------------------------------------------
UNKNOWN_ACTIVITY: Final = "unknown_activity"
ACTIVITY_CANCELLED_REASON: Final = "activity_cancelled"
REGISTRATION_NOT_OPEN: Final = "registration_not_open"
REGISTRATION_CLOSED: Final = "registration_closed"
PARTY_TOO_LARGE: Final = "party_too_large"
ALREADY_REGISTERED: Final = "already_registered"
SOLD_OUT: Final = "sold_out"
ACTIVITY_EXISTS: Final = "activity_exists"
REVISION_CONFLICT: Final = "revision_conflict"
CAPACITY_BELOW_TAKEN: Final = "capacity_below_taken"
UNKNOWN_REGISTRATION: Final = "unknown_registration"
NO_TICKET: Final = "no_ticket"
VALIDATION_FAILED: Final = "validation_failed"
UNAUTHORIZED: Final = "unauthorized"
INVALID_SPREADSHEET: Final = "invalid_spreadsheet"
IMPORT_HAS_ERRORS: Final = "import_has_errors"
SPREADSHEET_TOO_LARGE: Final = "spreadsheet_too_large"
IMPORT_UNCONFIRMED: Final = "import_unconfirmed"
NOTIFY_UNAVAILABLE: Final = "notify_unavailable"
# Issue 15: the lottery and the no-show record.
LOTTERY_NOT_OPEN: Final = "lottery_not_open"
LOTTERY_CLOSED: Final = "lottery_closed"
ALREADY_ENTERED: Final = "already_entered"
DRAW_NOT_DUE: Final = "draw_not_due"
DRAW_IN_PROGRESS: Final = "draw_in_progress"
NOT_A_WINNER: Final = "not_a_winner"
CONFIRM_EXPIRED: Final = "confirm_expired"
UNKNOWN_ENTRY: Final = "unknown_entry"
NOSHOW_LOCKED: Final = "noshow_locked"
UNKNOWN_MARK: Final = "unknown_mark"
NOTE_REQUIRED: Final = "note_required"
STANDBY_UNAVAILABLE: Final = "standby_unavailable"  # the check-in service did not answer the join
# Fair access (issue 14, docs/fair-access.md): verified phones, real-name members, bound keys.
PHONE_INVALID: Final = "phone_invalid"
PHONE_NOT_VERIFIED: Final = "phone_not_verified"
CODE_INVALID: Final = "code_invalid"
CODE_EXPIRED: Final = "code_expired"
TOO_MANY_ATTEMPTS: Final = "too_many_attempts"
CODE_COOLDOWN: Final = "code_cooldown"
DAILY_CAP_REACHED: Final = "daily_cap_reached"
SMS_UNAVAILABLE: Final = "sms_unavailable"
ID_INVALID: Final = "id_invalid"
ID_DUPLICATE: Final = "id_duplicate"
ID_LIMIT_REACHED: Final = "id_limit_reached"
IDEMPOTENCY_KEY_REUSED: Final = "idempotency_key_reused"
# Issue 23: real-name verification (realname.py): a member the authority did not confirm, and
# the authority not answering (never a silent pass).
ID_UNVERIFIED: Final = "id_unverified"
REALNAME_UNAVAILABLE: Final = "realname_unavailable"
# The real-name authority's answers (the provider's 一致 / 不一致 / 无此号; realname_http.py).
REALNAME_MATCH: Final = "match"
REALNAME_MISMATCH: Final = "mismatch"
REALNAME_NOT_FOUND: Final = "not_found"
REALNAME_RESULTS: Final = (REALNAME_MATCH, REALNAME_MISMATCH, REALNAME_NOT_FOUND)
# Issue 17: a party drops one member and keeps the rest.
REGISTRATION_CANCELLED: Final = "registration_cancelled"
PARTY_OF_ONE: Final = "party_of_one"
UNKNOWN_MEMBER: Final = "unknown_member"
# Issue 15 §1, the lottery wired end to end: how an activity's seats are allocated.
LOTTERY_ALLOCATION: Final = "lottery_allocation"  # a lottery activity is entered, never booked
# fcfs <-> lottery only while nothing was decided the other way (no registration / no lottery)
ALLOCATION_LOCKED: Final = "allocation_locked"
FCFS: Final = "fcfs"
LOTTERY: Final = "lottery"
ALLOCATIONS: Final = (FCFS, LOTTERY)
# Issue 27: where a seat handed back (cancelled, a member dropped) goes: only to the waitlist (else
# on-site standby), or back to open booking once nobody waits.
HANDBACK_WAITLIST: Final = "waitlist"
HANDBACK_POOL: Final = "pool"
HANDBACKS: Final = (HANDBACK_WAITLIST, HANDBACK_POOL)
# Issue 23: an API call on the session cookie from another site; the SMS code path's caps beyond the
# phone and the address (a network prefix, the whole festival's hourly SMS spend).
CROSS_SITE_REQUEST: Final = "cross_site_request"
NETWORK_CAP_REACHED: Final = "network_cap_reached"
CODES_BUSY: Final = "codes_busy"
# Issue 26: a child's guardian is another member of the party with an ID; a member's name is
# corrected after booking (the number cannot change: another number is another member).
GUARDIAN_INVALID: Final = "guardian_invalid"
MEMBER_ID_CHANGED: Final = "member_id_changed"
# Issue 27: the public randomness beacon (lottery/beacon*.py): a typed round whose signature does not
# verify against the pinned key; a draw's round that no source can give yet.
BEACON_UNVERIFIED: Final = "beacon_unverified"
BEACON_UNAVAILABLE: Final = "beacon_unavailable"
# Issue 27: the v2 lottery group (lottery/groups.py): ranked choices, the freeze, the proof.
CHOICES_INVALID: Final = "choices_invalid"
UNKNOWN_GROUP: Final = "unknown_group"
NOT_FROZEN: Final = "not_frozen"
SESSION_TAKEN: Final = "session_taken"  # a session's seats are drawn by another lottery (one each)
PROXY_LIMIT_REACHED: Final = "proxy_limit_reached"  # issue 29: 代预约, one phone for too many people

# What the list and the form show of a first-come activity (pages.state_of); a cancelled one shows
# ACTIVITY_CANCELLED, and the list's past activities ``ended``.
FORM_OPEN: Final = "open"
FORM_FULL_WAITLIST: Final = "full_waitlist"
FORM_FULL: Final = "full"
FORM_NOT_OPEN: Final = "not_open"
FORM_CLOSED: Final = "closed"
FORM_ENDED: Final = "ended"
FORM_STATES: Final = (FORM_OPEN, FORM_FULL_WAITLIST, FORM_FULL, FORM_NOT_OPEN, FORM_CLOSED, FORM_ENDED)

# -- the lottery's words (issue 15 §1; services/registration/lottery*.py and lottery_*.lua) ------
# A lottery's state (its meta hash's ``state``), and what the pages show of it: ``unopened`` while
# a lottery activity has no lottery yet; ``not_open`` / ``open`` / ``closed`` by the clock.
LOT_UNOPENED: Final = "unopened"
LOT_NOT_OPEN: Final = "not_open"
LOT_OPEN: Final = "open"
LOT_CLOSED: Final = "closed"
LOT_DRAWING: Final = "drawing"  # a lease is held: entries are frozen
LOT_DRAWN: Final = "drawn"
LOT_FROZEN: Final = "frozen"  # issue 27: a v2 group's entries are closed and committed (Merkle root)
LOTTERY_STATES: Final = (LOT_UNOPENED, LOT_NOT_OPEN, LOT_OPEN, LOT_CLOSED, LOT_DRAWING, LOT_DRAWN, LOT_FROZEN)
# The activity list's badge of a lottery activity: its lottery's state, prefixed (pages.py).
LISTED_LOT_UNOPENED: Final = "lot_unopened"
LISTED_LOT_NOT_OPEN: Final = "lot_not_open"
LISTED_LOT_OPEN: Final = "lot_open"
LISTED_LOT_CLOSED: Final = "lot_closed"
LISTED_LOT_DRAWN: Final = "lot_drawn"
LISTED_LOTTERY: Final[Mapping[str, str]] = {
    LOT_UNOPENED: LISTED_LOT_UNOPENED,
    LOT_NOT_OPEN: LISTED_LOT_NOT_OPEN,
    LOT_OPEN: LISTED_LOT_OPEN,
    LOT_CLOSED: LISTED_LOT_CLOSED,
    LOT_DRAWN: LISTED_LOT_DRAWN,
}
# An entrant's outcome of the draw: a seat (``won``) or a place in the draw's waitlist.
WON: Final = "won"
LOTTERY_OUTCOMES: Final = (WON, WAITLISTED)
# Issue 27: an entry's outcome in one round of a lottery group (我的报名): a session won; not drawn
# while a round is still to come (``lost``); on the group's waitlist after the last; not drawn yet.
LOST: Final = "lost"
PENDING: Final = "pending"
ROUND_OUTCOMES: Final = (WON, LOST, WAITLISTED, PENDING)
# Outcomes of the draw's scripts besides OK: the lease is another instance's (``busy``), the draw
# is not due, or the lease expired before the draw was stored (another instance stores it).
BUSY: Final = "busy"
TOO_EARLY: Final = "too_early"
LOST_LEASE: Final = "lost_lease"
DRAW_STEPS: Final = (BUSY, TOO_EARLY, LOST_LEASE, LOT_DRAWN)

# A standby number's status, as check-in answers it (services/checkin/vocabulary.py owns these
# words; tests/unit/test_vocabulary_registration.py keeps the two the same).
STANDBY_WAITING: Final = "waiting"
STANDBY_CALLED: Final = "called"
STANDBY_ADMITTED: Final = "admitted"
STANDBY_STATUSES: Final = (STANDBY_WAITING, STANDBY_CALLED, STANDBY_ADMITTED)

REASONS: Final[Mapping[str, Reason]] = reasons(
    Reason(UNKNOWN_ACTIVITY, 404, N_("No such activity.")),
    Reason(ACTIVITY_CANCELLED_REASON, 409, N_("The activity was cancelled.")),
    Reason(REGISTRATION_NOT_OPEN, 409, N_("Registration has not opened yet.")),
    Reason(REGISTRATION_CLOSED, 409, N_("Registration has closed.")),
    Reason(PARTY_TOO_LARGE, 422, N_("Party size exceeds this activity's limit.")),
    Reason(ALREADY_REGISTERED, 409, N_("This phone already has a registration for this activity.")),
    Reason(SOLD_OUT, 409, N_("No seats left and the waitlist is full or off.")),
    Reason(ACTIVITY_EXISTS, 409, N_("An activity with this id exists.")),
    Reason(REVISION_CONFLICT, 409, N_("The activity changed meanwhile; reload and retry.")),
    Reason(CAPACITY_BELOW_TAKEN, 409, N_("Capacity cannot go below the seats already taken.")),
    Reason(UNKNOWN_REGISTRATION, 404, N_("No such registration.")),
    Reason(NO_TICKET, 409, N_("There is no valid ticket (waitlisted or cancelled).")),
    Reason(VALIDATION_FAILED, 422, N_("Some fields are not valid.")),
    Reason(UNAUTHORIZED, 401, N_("The manage token is required.")),
    Reason(INVALID_SPREADSHEET, 422, N_("The spreadsheet cannot be read.")),
    Reason(IMPORT_HAS_ERRORS, 422, N_("Some rows have errors; nothing was imported.")),
    Reason(SPREADSHEET_TOO_LARGE, 413, N_("The spreadsheet is over the import's bounds.")),
    Reason(IMPORT_UNCONFIRMED, 422, N_("Check and confirm the assumed values in the preview first.")),
    Reason(NOTIFY_UNAVAILABLE, 503, N_("The notify service is unavailable; try again later.")),
    # Issue 15: the lottery and the no-show record.
    Reason(LOTTERY_NOT_OPEN, 409, N_("Entries for this lottery have not opened yet.")),
    Reason(LOTTERY_CLOSED, 409, N_("Entries for this lottery have closed.")),
    Reason(ALREADY_ENTERED, 409, N_("This phone or ID has already entered.")),
    Reason(DRAW_NOT_DUE, 409, N_("The draw is not due yet.")),
    Reason(DRAW_IN_PROGRESS, 409, N_("The draw is running; try again shortly.")),
    Reason(NOT_A_WINNER, 409, N_("This entry did not win a seat.")),
    Reason(CONFIRM_EXPIRED, 409, N_("The time to confirm has passed.")),
    Reason(UNKNOWN_ENTRY, 404, N_("No such lottery entry.")),
    Reason(
        LOTTERY_ALLOCATION, 409, N_("Seats for this activity are drawn by lot: enter the lottery instead.")
    ),
    Reason(NOSHOW_LOCKED, 409, N_("Registration is locked after repeated no-shows; see the date it ends.")),
    Reason(UNKNOWN_MARK, 404, N_("No such no-show mark.")),
    Reason(NOTE_REQUIRED, 422, N_("A note is required to forgive a mark.")),
    Reason(PHONE_INVALID, 422, N_("Enter an 11-digit mainland mobile number.")),
    Reason(PHONE_NOT_VERIFIED, 401, N_("Verify your phone with an SMS code first.")),
    Reason(CODE_INVALID, 422, N_("The code is not correct.")),
    Reason(CODE_EXPIRED, 422, N_("The code has expired or was never sent; ask for a new one.")),
    Reason(TOO_MANY_ATTEMPTS, 429, N_("Too many wrong codes; ask for a new one.")),
    Reason(CODE_COOLDOWN, 429, N_("A code was just sent; wait before asking again.")),
    Reason(DAILY_CAP_REACHED, 429, N_("No more codes today for this phone or network.")),
    Reason(STANDBY_UNAVAILABLE, 503, N_("Standby cannot take your number right now; try again soon.")),
    Reason(SMS_UNAVAILABLE, 503, N_("SMS cannot be sent right now; try again soon.")),
    Reason(ID_INVALID, 422, N_("The ID number is not valid.")),
    Reason(ID_DUPLICATE, 409, N_("This ID is already registered for this activity.")),
    Reason(ID_LIMIT_REACHED, 409, N_("This ID has reached its limit of registrations.")),
    Reason(ID_UNVERIFIED, 422, N_("Real-name check failed: the name and ID number were not confirmed.")),
    Reason(REALNAME_UNAVAILABLE, 503, N_("The real-name check is unavailable right now; try again soon.")),
    Reason(IDEMPOTENCY_KEY_REUSED, 422, N_("This Idempotency-Key was used for a different request.")),
    Reason(REGISTRATION_CANCELLED, 409, N_("This registration is cancelled.")),
    Reason(
        ALLOCATION_LOCKED,
        409,
        N_("The allocation cannot change: people have registered, or the lottery is open."),
    ),
    Reason(PARTY_OF_ONE, 409, N_("Only one person is left: cancel the registration instead.")),
    Reason(UNKNOWN_MEMBER, 422, N_("No such member (the registrant cannot be removed).")),
    Reason(CROSS_SITE_REQUEST, 403, N_("This request did not come from this site's pages; it was refused.")),
    Reason(NETWORK_CAP_REACHED, 429, N_("Too many codes were asked from your network; try again later.")),
    Reason(CODES_BUSY, 429, N_("Too many codes are being sent right now; try again in a few minutes.")),
    Reason(GUARDIAN_INVALID, 422, N_("A child's guardian must be another member of the party with an ID.")),
    Reason(
        MEMBER_ID_CHANGED,
        409,
        N_("That is another ID number: a new member. Confirm to put them in this member's place."),
    ),
    Reason(
        BEACON_UNVERIFIED, 422, N_("The beacon round's signature does not verify against the chain's key.")
    ),
    Reason(
        BEACON_UNAVAILABLE,
        503,
        N_("The beacon round is not published or cannot be fetched yet; try again soon."),
    ),
    # Issue 27: the v2 lottery group.
    Reason(
        CHOICES_INVALID,
        422,
        N_("Rank one to the allowed number of different sessions of this lottery group."),
    ),
    Reason(UNKNOWN_GROUP, 404, N_("No such lottery group.")),
    Reason(NOT_FROZEN, 409, N_("Entries have not closed yet: the proof is given after the close.")),
    Reason(SESSION_TAKEN, 409, N_("This session's seats are already drawn by another lottery.")),
    Reason(vq.QUEUE_TOKEN_REQUIRED, 403, N_("This activity opens through its queue: wait for your turn.")),
    Reason(vq.QUEUE_TOKEN_EXPIRED, 403, N_("Your turn from the queue has expired: open the queue again.")),
    Reason(vq.QUEUE_TOKEN_INVALID, 403, N_("This queue pass is not for this phone or this activity.")),
    Reason(vq.QUEUE_NOT_OPEN, 409, N_("The queue for this activity is not open yet.")),
    Reason(PROXY_LIMIT_REACHED, 409, N_("This phone may book for no more other people this festival.")),
    *QUOTA_REASONS,  # noqa: F405 (issue 29, vocabulary_quota.py)
    catalogue=CATALOGUE,
)
# Issue 23 (finding 4): a drawn party not made a registration because a member's ID reached a per-ID
# cap (day or festival) after it entered; lottery_register.lua skips it and the next drawn gets
# the seats.  An outcome of the script, and what the draw's settlement counts.
SKIPPED: Final = "skipped"


def status_text(status: str, locale: str) -> str:
    """A registration's status in ``locale`` (an unknown one as it is)."""
    return text(STATUS_TEXT[status], locale, CATALOGUE) if status in STATUS_TEXT else status
