"""One clock shape (shared/clock.py): every service's use cases take ``clock.now()``; no service
declares a clock of its own."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from shared.clock import SYSTEM_CLOCK, FakeClock, epoch_ms
from tests.unit import vocab_support as vs


def test_no_service_declares_its_own_clock():
    own = re.compile(r"^class \w*Clock\b", re.M)
    found = [vs.rel(p) for p in vs.files("services", "*.py") if own.search(p.read_text(encoding="utf-8"))]
    assert found == []


def test_epoch_ms_is_exact_and_the_fake_moves_by_hand():
    clock = FakeClock.at_seconds(1_900_000_000.123)
    assert epoch_ms(clock) == 1_900_000_000_123
    clock.advance(milliseconds=1)
    assert epoch_ms(clock) == 1_900_000_000_124
    clock.set(datetime(2026, 5, 30, tzinfo=UTC))
    assert clock.now() == datetime(2026, 5, 30, tzinfo=UTC)
    assert SYSTEM_CLOCK.now().tzinfo is not None
