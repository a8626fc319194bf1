"""The three outbox relays run one way: through shared.outbox.run_relay, which restarts a failed
relay instead of letting an outbox stop moving unseen."""

from __future__ import annotations

import re
import threading

from shared import outbox
from shared.config import load
from tests.conftest import ROOT


def test_a_relay_that_fails_is_started_again_until_stopped(monkeypatch):
    runs = []
    stop = threading.Event()

    class FlakyRelay:
        def __init__(self, settings, redis, stream):
            self.stream = stream

        def run(self, stop_event):
            runs.append(self.stream)
            if len(runs) == 1:
                raise RuntimeError("broker metadata went wrong")
            stop_event.set()

    monkeypatch.setattr(outbox, "Relay", FlakyRelay)
    monkeypatch.setattr(outbox, "RESTART_DELAY_S", 0)
    outbox.run_relay(load(environ={}), object(), "ck:outbox", stop)
    assert runs == ["ck:outbox", "ck:outbox"] and stop.is_set()


def test_no_service_builds_a_relay_of_its_own():
    """Every relay goes through run_relay / start_relay / relay_main."""
    users = {}
    for path in (ROOT / "services").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bRelay\(", text), f"{path} builds a Relay itself"
        if re.search(r"\b(run_relay|start_relay|relay_main)\(", text):
            users[path.relative_to(ROOT).as_posix()] = True
    assert set(users) == {
        "services/registration/relay.py",
        "services/checkin/consumer.py",
        "services/notify/delivery/publisher.py",
    }
