"""Issue 25: a view calls only what its port declares.  Each adapter a registration view reaches
(through ``ports()``, the lottery and no-show stores, the verification wiring) is called only by
methods its Protocol names, so a fake or a new adapter that follows the Protocol is enough."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from services.registration import ports
from services.registration.access import api as api_verification
from services.registration.access import verification
from services.registration.lottery import draw as lottery
from services.registration.noshow import record as noshow
from services.registration.seats import ports as seat_ports

REGISTRATION = Path(__file__).resolve().parents[2] / "services" / "registration"
# how a view reaches an adapter -> the Protocol it is typed by
REACHED = {
    "ports().seats": seat_ports.Seats,
    "p.seats": seat_ports.Seats,
    "wiring().store": verification.CodeStore,
    "api_verification.wiring().store": verification.CodeStore,
}
OWN = {  # a view module's own accessor of its store
    "lottery/api.py": {"store()": lottery.Lotteries},
    "noshow/api.py": {"record()": noshow.Record},
}
# every feature package's web edge: its api.py and pages.py, and the web package's views
VIEWS = sorted(
    p
    for p in REGISTRATION.rglob("*.py")
    if p.name in ("api.py", "pages.py") or (p.parent.name == "web" and p.name in ("mine.py", "keys.py"))
)


def _name(view: Path) -> str:
    return view.relative_to(REGISTRATION).as_posix()


def test_the_views_are_found():
    # a glob that matches nothing would make the test below pass without looking at a view
    assert {"seats/api.py", "lottery/api.py", "noshow/api.py", "web/pages.py"} <= {_name(v) for v in VIEWS}


def _declared(protocol: type) -> set[str]:
    return {n for n in dir(protocol) if not n.startswith("_")} | set(getattr(protocol, "__annotations__", {}))


def _calls(path: Path, reached_by: dict[str, type]) -> set[tuple[str, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            reached = ast.unparse(node.func.value)
            if reached in reached_by:
                found.add((reached, node.func.attr))
    return found


@pytest.mark.parametrize("view", VIEWS, ids=_name)
def test_a_view_calls_only_what_the_port_declares(view):
    reached_by = {**REACHED, **OWN.get(_name(view), {})}
    undeclared = {(r, m) for r, m in _calls(view, reached_by) if m not in _declared(reached_by[r])}
    assert undeclared == set()


def test_the_ports_are_typed_by_their_protocols():
    hints = ports.Ports.__annotations__  # postponed: the names as written
    assert (hints["noshow"], hints["noshow_policy"]) == ("NoShowRecord | None", "NoShowPolicy | None")
    assert api_verification.Wiring.__annotations__["store"] == "verification.CodeStore"
