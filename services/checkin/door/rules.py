"""The door's rules as one ordered decision table (issue 25, item 4): the one home of their order.

A scan is judged by the rows below, first to last; the first row that answers gives the verdict.
Each row names where it is judged online and whether the scanner judges it offline:

- ``ticket``: the signature (``tickets.verify`` online, ``ticket.js`` offline);
- ``use_case``: ``usecases.judge`` in Python; a ``use_case`` row after the first ``atomic`` row is
  passed to ``admit.lua`` as the refusal it records (``given``), so the order holds in one step;
- ``atomic``: ``admit.lua`` on Redis, in this order (``DOOR_STEPS``, generated below);
- ``offline``: ``doorbook.js`` runs these rows' checks in this order (``DOOR_OFFLINE``, generated).

Rows without a reason do not refuse: ``replay`` answers a known nonce with its first answer,
``party_reduced`` counts a party that dropped a member at its new size, ``party_stepping`` admits
the people the steward counted (never more than remain).  ``UNDO`` is the supervisor's take-back
(``undo.lua``), online only.  tests/integration/test_door_scenarios.py replays one scenario table
against all three implementations.  The scanner asks for a verdict before it prompts (issue 26,
``POST /api/v1/checkins/verdict``): the same rows, ``admit.lua`` judging only (``peek``).

``python -m shared.wordgen`` writes the generated ``door_rules.lua`` (included by ``admit.lua``) and
``static/js/door_rules.js`` (imported by ``doorbook.js``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from services.checkin import vocabulary as V
from shared.wordgen import Generated, header, js_file, lua_file

TICKET: Final = "ticket"
USE_CASE: Final = "use_case"
ATOMIC: Final = "atomic"
GIVEN: Final = "given"  # admit.lua's step for the use case's refusals judged after an atomic row


@dataclass(frozen=True)
class Row:
    name: str  # the check's name in every runtime
    reason: str  # the refusal ("" for a row that does not refuse)
    online: str  # TICKET, USE_CASE or ATOMIC
    offline: bool  # the scanner judges it too
    variant: str = ""


RULES: Final[tuple[Row, ...]] = (
    Row("forged", V.INVALID, TICKET, True),
    Row("wrong_venue", V.WRONG_VENUE, USE_CASE, True),
    Row("gate_not_allowed", V.GATE_NOT_ALLOWED, USE_CASE, False),  # offline: refused at sign-in
    Row("wrong_gate", V.WRONG_GATE, ATOMIC, True),
    Row("activity_cancelled", V.ACTIVITY_CANCELLED, USE_CASE, True),
    Row("bad_scan_time", V.BAD_SCAN_TIME, USE_CASE, False),  # an offline upload's own time
    Row("too_early", V.INVALID_TIME, USE_CASE, True, V.TOO_EARLY),
    Row("too_late", V.INVALID_TIME, USE_CASE, True, V.TOO_LATE),
    Row("replay", "", ATOMIC, False),
    Row("revoked", V.REVOKED, ATOMIC, True),  # registration cancelled or revoked
    Row("party_reduced", "", USE_CASE, True),
    Row("already_inside", V.ALREADY_CHECKED_IN, ATOMIC, True),
    Row("seat_released", V.SEAT_RELEASED, ATOMIC, True),  # unscanned seats went to standby
    Row("card", V.ID_MISMATCH, ATOMIC, True),  # issue 23: also id_required, a member already in
    Row("party_stepping", "", ATOMIC, True),
)
UNDO: Final[tuple[str, ...]] = (V.UNKNOWN_CHECKIN, V.ALREADY_REVERTED)
# Issue 29: the channels whose registrations come in without each member's card even where cards
# are required (Settings.door_id_required): a school's group is admitted whole or member by member
# on its lead teacher's word, never more people than its roster.  admit.lua reads DOOR_CARDS_WAIVED
# (generated); the scanner's state lists such registrations (cards.waived) for doorbook.js.
CARDS_WAIVED: Final[tuple[str, ...]] = ("CH_GROUP",)  # vocabulary names (STATUS.CH_GROUP in Lua)


def cards_waived(channel: object) -> bool:
    """Whether a registration of ``channel`` comes in without its members' cards."""
    return channel in {getattr(V, name) for name in CARDS_WAIVED}


def _first_atomic() -> int:
    return next(i for i, r in enumerate(RULES) if r.online == ATOMIC)


def given(row: Row) -> bool:
    """A use-case row the atomic step records after its own earlier rows (``given``)."""
    return row.online == USE_CASE and bool(row.reason) and RULES.index(row) > _first_atomic()


def atomic_steps() -> list[str]:
    """admit.lua's steps in order: its rows, the use case's later refusals as one ``given`` step."""
    steps: list[str] = []
    for row in RULES:
        name = row.name if row.online == ATOMIC else GIVEN if given(row) else ""
        if name and name not in steps:
            steps.append(name)
    return steps


def offline_steps() -> list[str]:
    """doorbook.js's checks in order (the signature was checked before, by ticket.js)."""
    return [r.name for r in RULES if r.offline and r.online != TICKET]


def lua() -> str:
    """door_rules.lua: ``DOOR_STEPS``."""
    steps = ", ".join(f"'{s}'" for s in atomic_steps())
    waived = ", ".join(f"[STATUS.{name}] = true" for name in CARDS_WAIVED)
    body = "local DOOR_STEPS = {" + steps + "}\nlocal DOOR_CARDS_WAIVED = {" + waived + "}\n"
    return lua_file(header(LUA_PATH, _SOURCE), body)


def js_consts() -> dict[str, object]:
    """Exported by door_rules.js: the table and the offline order."""
    rows = [
        {"name": r.name, "reason": r.reason, "online": r.online, "offline": r.offline, "variant": r.variant}
        for r in RULES
    ]
    return {"DOOR_RULES": rows, "DOOR_OFFLINE": offline_steps()}


def js() -> str:
    return js_file(header(JS_PATH, _SOURCE, "//"), js_consts())


HERE: Final = Path(__file__).parent
LUA_PATH: Final = HERE / "door_rules.lua"
JS_PATH: Final = HERE.parent / "static" / "js" / "door_rules.js"
_SOURCE: Final = "services/checkin/door/rules.py"
GENERATED: Final = (Generated(LUA_PATH, lua), Generated(JS_PATH, js))
