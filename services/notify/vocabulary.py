"""The notify service's words: delivery statuses, reasons (HTTP status and text), templates.

Python refers to the constants; the Lua scripts that judge a status ``--#include vocabulary.lua``,
generated from this module (``python -m shared.wordgen``; a unit test fails when it
is out of date); the OpenAPI descriptions of notify's blueprints come from :func:`describe`. A
reason's text is a msgid (the English), said in zh-CN from ``translations/`` (docs/i18n.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from shared import errors
from shared import events as ev
from shared.errors import COMMON_REASONS
from shared.msgid import N_
from shared.wordgen import Generated, header, lua_words
from shared.words import Reason, reasons

HERE: Final = Path(__file__).parent
CATALOGUE: Final = HERE / "translations"  # the reasons' zh-CN texts (docs/i18n.md)

# -- statuses of a delivery intent -------------------------------------------------------------
# pending -> claimed -> handoff -> sent | retrying | failed | uncertain | skipped
PENDING: Final = "pending"
CLAIMED: Final = "claimed"
HANDOFF: Final = "handoff"  # the provider may have it
RETRYING: Final = "retrying"
SENT: Final = "sent"
FAILED: Final = "failed"
UNCERTAIN: Final = "uncertain"  # the worker stopped during a non-idempotent hand-off
SKIPPED: Final = "skipped"
INTENT_STATUSES: Final = (PENDING, CLAIMED, HANDOFF, RETRYING, SENT, FAILED, UNCERTAIN, SKIPPED)
FINAL: Final = (SENT, FAILED, UNCERTAIN, SKIPPED)
# What one sender step did with a message besides giving it a status (sender.Sender.deliver).
GONE: Final = "gone"  # the intent expired meanwhile
LOST: Final = "lost"  # the lease ran out before the hand-off; another sender has it
DEFERRED: Final = "deferred"  # waiting for the activity's snapshot
STEP_OUTCOMES: Final = (GONE, LOST, DEFERRED)
# An organizer notice is accepted (queued), not sent, when the API answers.
ACCEPTED: Final = "accepted"

# Registration and activity statuses as notify's projection records them.
CONFIRMED: Final = "confirmed"
WAITLISTED: Final = "waitlisted"
CANCELLED: Final = "cancelled"
SCHEDULED: Final = "scheduled"
ACTIVE: Final = (CONFIRMED, WAITLISTED)  # registrants who are told about their activity

STATUSES: Final = (*INTENT_STATUSES, *STEP_OUTCOMES, ACCEPTED, CONFIRMED, WAITLISTED, CANCELLED, SCHEDULED)

# -- events ------------------------------------------------------------------------------------
SOURCE: Final = "notify"
NOTIFICATION_SENT: Final = ev.NOTIFICATION_SENT
NOTIFICATION_FAILED: Final = ev.NOTIFICATION_FAILED
EVENT_TYPES: Final = (NOTIFICATION_SENT, NOTIFICATION_FAILED)  # on the topic shared/topics.py names
# Causes of a message that are not Kafka events (notify's own sources).
REMINDER_DUE: Final = ev.REMINDER_DUE
ORGANIZER_NOTICE: Final = ev.ORGANIZER_NOTICE


# -- reasons -----------------------------------------------------------------------------------
UNKNOWN_ACTIVITY: Final = "unknown_activity"
ACTIVITY_CANCELLED: Final = "activity_cancelled"
SMS_UNAVAILABLE: Final = "sms_unavailable"  # a verification code could not be handed over (api_codes.py)
# Common reasons (shared/errors.py) notify's API answers besides its own.
UNAUTHORIZED: Final = errors.UNAUTHORIZED
FORBIDDEN: Final = errors.FORBIDDEN
VALIDATION_FAILED: Final = errors.VALIDATION_FAILED

REASONS: Final[Mapping[str, Reason]] = reasons(
    Reason(UNKNOWN_ACTIVITY, 404, N_("No such activity.")),
    Reason(ACTIVITY_CANCELLED, 409, N_("The activity was cancelled.")),
    catalogue=CATALOGUE,
)


# Answered only by the internal, signed endpoint the registration service calls (api_codes.py);
# registration turns it into its own documented refusal, so it is not in notify's public OpenAPI.
INTERNAL_REASONS: Final[Mapping[str, Reason]] = reasons(
    Reason(SMS_UNAVAILABLE, 503, N_("SMS cannot be sent right now; try again shortly.")),
    catalogue=CATALOGUE,
)


def http_status(code: str) -> int:
    reason = REASONS.get(code)
    status = reason.http if reason is not None else None
    return status if status is not None else COMMON_REASONS.get(code, (409, ""))[0]


def message(code: str, locale: str) -> str:
    return REASONS[code].message(locale)


def describe(*codes: str) -> str:
    return "Reason codes: " + ", ".join(f"{c} ({http_status(c)})" for c in codes) + "."


def one_of(words: tuple[str, ...]) -> str:
    """``pending | claimed | …`` for an OpenAPI field description."""
    return " | ".join(words)


# -- templates ---------------------------------------------------------------------------------
CONFIRMED_TEMPLATE: Final = "confirmed"
WAITLISTED_TEMPLATE: Final = "waitlisted"
PROMOTED_TEMPLATE: Final = "promoted"
CANCELLED_TEMPLATE: Final = "cancelled"
ACTIVITY_CHANGED_TEMPLATE: Final = "activity_changed"
ACTIVITY_CANCELLED_TEMPLATE: Final = "activity_cancelled"
REMINDER_TEMPLATE: Final = "reminder"
NOTICE_TEMPLATE: Final = "notice"
# Issue 15 §1: a lottery entrant's outcome (LotteryEntryWon / LotteryEntryWaitlisted).
LOTTERY_WON_TEMPLATE: Final = "lottery_won"
LOTTERY_WAITLISTED_TEMPLATE: Final = "lottery_waitlisted"
STANDBY_CALLED_TEMPLATE: Final = "standby_called"  # issue 15 §3: a standby number called in
# Issue 26: families are told what happened to their registration, and warned before a lock.
SEATS_RELEASED_TEMPLATE: Final = "seats_released"  # StandbySeatsReleased: unscanned seats to standby
MEMBER_DROPPED_TEMPLATE: Final = "member_dropped"  # RegistrationMemberDropped: a smaller party
NOSHOW_WARNING_TEMPLATE: Final = "noshow_warning"  # NoShowMarked with warning: one more mark locks
# SMS only, sent at once and never queued (api_codes.py, issue 14): not one of TEMPLATES.
VERIFICATION_CODE_TEMPLATE: Final = "verification_code"
TEMPLATES: Final = (
    CONFIRMED_TEMPLATE,
    WAITLISTED_TEMPLATE,
    PROMOTED_TEMPLATE,
    CANCELLED_TEMPLATE,
    ACTIVITY_CHANGED_TEMPLATE,
    ACTIVITY_CANCELLED_TEMPLATE,
    REMINDER_TEMPLATE,
    NOTICE_TEMPLATE,
    LOTTERY_WON_TEMPLATE,
    LOTTERY_WAITLISTED_TEMPLATE,
    STANDBY_CALLED_TEMPLATE,
    SEATS_RELEASED_TEMPLATE,
    MEMBER_DROPPED_TEMPLATE,
    NOSHOW_WARNING_TEMPLATE,
)

# -- the generated Lua include -------------------------------------------------------------------
LUA_PATH: Final = HERE / "vocabulary.lua"
# The words the Lua scripts read, by table (shared/wordgen.py ``LUA_GROUPS``: STATUS.SENT, …).
LUA_TABLES: Final[Mapping[str, Mapping[str, str]]] = {
    "STATUS": {
        "CLAIMED": CLAIMED,
        "HANDOFF": HANDOFF,
        "SENT": SENT,
        "FAILED": FAILED,
        "UNCERTAIN": UNCERTAIN,
        "SKIPPED": SKIPPED,
    },
}


def lua() -> str:
    return lua_words(header(LUA_PATH, "services/notify/vocabulary.py") + "\n", LUA_TABLES)


GENERATED = (Generated(LUA_PATH, lua),)
