"""The door's one decision table (services/checkin/door/rules.py) is what each runtime follows: every
row has its check in the runtime that judges it, and the generated orders are the table's.
The verdicts themselves are replayed in tests/integration/test_door_scenarios.py."""

from __future__ import annotations

import re
from pathlib import Path

from services.checkin import vocabulary as V
from services.checkin.door import checks as door_checks
from services.checkin.door import rules as door_rules
from services.checkin.door.rules import ATOMIC, GIVEN, TICKET, USE_CASE

HERE = Path(door_rules.__file__).parent.parent  # the service's folder


def test_each_row_has_its_check_where_it_is_judged():
    lua = (HERE / "door" / "admit.lua").read_text()
    js = (HERE / "static" / "js" / "doorbook.js").read_text()
    lua_steps = set(re.findall(r"^  (\w+) = (?:function|cards)", lua, re.M))
    lua_steps |= set(re.findall(r"^function STEPS\.(\w+)\(", lua, re.M))
    js_checks = set(re.findall(r"^  (\w+): \(c\) =>", js, re.M))
    for row in door_rules.RULES:
        if row.online == USE_CASE:
            assert row.name in door_checks.CHECKS, row
        if row.online == ATOMIC:
            assert row.name in lua_steps, row
        if row.offline and row.online != TICKET:
            assert row.name in js_checks, row
    assert GIVEN in lua_steps
    assert set(door_checks.CHECKS) == {r.name for r in door_rules.RULES if r.online == USE_CASE}


def test_the_generated_orders_are_the_tables():
    assert (
        f"local DOOR_STEPS = {{{', '.join(repr(s) for s in door_rules.atomic_steps())}}}" in door_rules.lua()
    )
    assert door_rules.atomic_steps()[:3] == ["wrong_gate", GIVEN, "replay"]
    assert door_rules.offline_steps()[-1] == "party_stepping"
    assert '"seat_released"' in door_rules.js() and "DOOR_OFFLINE" in door_rules.js()
    given = [r.reason for r in door_rules.RULES if door_rules.given(r)]
    assert given == [V.ACTIVITY_CANCELLED, V.BAD_SCAN_TIME, V.INVALID_TIME, V.INVALID_TIME]
