"""Issue 23, finding 7: a gate has one spelling (``"g1 "``, ``G1`` and ``Ｇ１`` are ``g1``) where plans
are written and where scans name it, and a device token may be bound to its gates; a scan (or a
sign-in) naming another gate is refused ``gate_not_allowed``. Through the API, on real Redis."""

from __future__ import annotations

import pytest

from shared.auth import create_token
from tests.integration.test_checkin_api import door, soon, verdict  # door: the fixture

__all__ = ["door"]


@pytest.fixture
def planned(door):
    """Gate g1 of the venue opened for the science show only; a ticket for the IMAX session."""
    door.activity(soon())
    door.activity(soon("door-lab", title={"zh": "科学实验秀", "en": "Science show"}))
    code = door.register(party=1)["ticket"]["code"]
    door.project()
    supervisor = door.bearer("supervisor", "主管", "ln-stm")
    plan = verdict(
        door.ck.put("/api/v1/gates/g1", json={"activities": ["door-lab"]}, headers=supervisor), 200
    )
    assert plan["gate"] == "g1"
    return door, code, supervisor


@pytest.mark.parametrize("spelling", ["g1 ", "G1", " Ｇ１", "g1\u3000"])
def test_another_spelling_of_a_planned_gate_is_the_same_gate(planned, spelling):
    door, code, _ = planned
    assert verdict(door.scan(code, gate=spelling), 409)["reason"] == "wrong_gate"


def test_a_plan_written_under_another_spelling_is_the_one_plan(planned):
    door, code, supervisor = planned
    again = door.ck.put("/api/v1/gates/G1%20", json={"activities": ["door-imax"]}, headers=supervisor)
    assert verdict(again, 200)["gate"] == "g1"
    assert verdict(door.scan(code, gate="g1"), 201)["gate"] == "g1"  # the plan now takes it
    state = verdict(door.ck.get("/api/v1/scanner/state?gate=%20G1", headers=door.steward), 200)
    assert state["gate_activities"] == ["door-imax"] and state["gate_checked_in"] == 1


def test_a_token_bound_to_its_gate_is_refused_at_another(door):
    door.activity(soon())
    code = door.register(party=2)["ticket"]["code"]
    door.project()
    token = create_token(door.redis, door.settings.redis_prefix, "steward", "东门机", "ln-stm", gates=["G1 "])
    bound = {"Authorization": f"Bearer {token}"}
    refused = verdict(door.scan(code, gate="g2", headers=bound), 403)
    assert refused["reason"] == "gate_not_allowed" and refused["message"] == "此令牌不能在该入口使用"
    sign_in = door.ck.get("/api/v1/scanner/state?gate=g2", headers=bound)
    assert verdict(sign_in, 403)["reason"] == "gate_not_allowed"
    verdict(door.ck.get("/api/v1/scanner/state?gate=g1", headers=bound), 200)
    assert verdict(door.scan(code, gate="G1", admit=1, headers=bound), 201)["gate"] == "g1"
    # an unbound token of the venue still scans at any gate
    assert verdict(door.scan(code, gate="g2"), 201)["admitted"] == 1


def test_the_cli_binds_a_token_to_its_gates():
    from sciday.cli import parser

    args = parser().parse_args(
        [
            "token",
            "create",
            "--role",
            "steward",
            "--venue",
            "ln-stm",
            "--name",
            "东门机",
            "--gate",
            "东门",
            "--gate",
            "G1",
        ]
    )
    assert args.gate == ["东门", "G1"]
    assert parser().parse_args(["token", "create", "--role", "organizer", "--name", "x"]).gate is None
