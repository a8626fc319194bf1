"""Generates ``words.lua``: the registration vocabulary as Lua tables, for the seat scripts.

The scripts write no status, reason, topic or event type as a literal: they use ``STATUS.CONFIRMED``,
``REASON.SOLD_OUT``, ``TOPIC.REGISTRATION_EVENTS``, ``EVENT.WAITLIST_PROMOTED`` and ``SOURCE`` from this
include. Regenerate with ``python -m shared.wordgen`` after changing
``vocabulary.py``, ``shared/topics.py`` or ``shared/events.py``;
``tests/unit/test_vocabulary_registration.py`` fails while the file is stale.
"""

from __future__ import annotations

from pathlib import Path

from services.registration import vocabulary as v
from shared import events, topics
from shared.wordgen import Generated, header, lua_words

PATH = Path(__file__).with_name("words.lua")
SOURCE = "registration"  # the envelope's source for every event this service emits

STATUS_NAMES = (
    "CONFIRMED",
    "WAITLISTED",
    "CANCELLED",
    "SCHEDULED",
    "ACTIVITY_CANCELLED",
    "REPLAY",
    "REFUSED",
    "ALREADY",
    "OK",
    "CREATE",
    # the lottery's (issue 15 §1)
    "LOT_OPEN",
    "LOT_DRAWING",
    "LOT_DRAWN",
    "WON",
    "BUSY",
    "TOO_EARLY",
    "LOST_LEASE",
    "SKIPPED",  # issue 23: lottery_register.lua
    "LOT_FROZEN",  # issue 27: group_freeze.lua
    "Q_WAITING",  # issue 28: queue_*.lua
    "Q_RELEASING",
    "Q_RELEASED",
    "CH_ONLINE",  # issue 29: quota.lua's channels
    "CH_WINDOW",
    "CH_GROUP",
    "CH_WHEELCHAIR",
    "CH_COMPANION",
)
TOPIC_NAMES = ("ACTIVITY_EVENTS", "REGISTRATION_EVENTS", "LOTTERY_EVENTS", "NOSHOW_EVENTS")


def reason_names() -> dict[str, str]:
    """Constant name -> reason code, for every reason the vocabulary declares."""
    return {k: val for k, val in vars(v).items() if k.isupper() and isinstance(val, str) and val in v.REASONS}


def event_names() -> dict[str, str]:
    """Constant name -> event type, for the types the service's topics carry."""
    carried = {t for name in TOPIC_NAMES for t in topics.BY_NAME[getattr(topics, name)].event_types}
    return {
        k: val for k, val in vars(events).items() if k.isupper() and isinstance(val, str) and val in carried
    }


def tables() -> dict[str, dict[str, str]]:
    """The words the seat scripts read, by table (shared/wordgen.py ``LUA_GROUPS``)."""
    return {
        "STATUS": {k: getattr(v, k) for k in STATUS_NAMES},
        "REASON": reason_names(),
        "TOPIC": {k: getattr(topics, k) for k in TOPIC_NAMES},
        "EVENT": event_names(),
    }


def source() -> str:
    head = header(PATH, "services/registration/vocabulary.py, shared/topics.py and shared/events.py")
    return lua_words(head + "\n-- Included by promote.lua (so by every seat script), before anything else.\n\n",
                     tables(), SOURCE)  # fmt: skip


GENERATED = (Generated(PATH, source),)
