"""The crowd's schedule in bench/queue_crowd.py: every person asks once per interval at a phase of
their own, the lines in the order they are due (the load generator sends them in file order)."""

from __future__ import annotations

from collections import Counter

from bench.queue_crowd import paced, polls


def due(line: str) -> int:
    return int(line.split(" ", 1)[0].removeprefix("@"))


def test_each_person_asks_once_per_interval_in_schedule_order():
    people = [f"GET /me\tAuthorization: Bearer t{i}" for i in range(1000)]
    lines = polls(people, poll_s=5, duration_s=12)  # rounds at 0-5, 5-10, 10-12 s
    times = [due(line) for line in lines]
    assert times == sorted(times)
    assert max(times) < (0.5 + 12) * 1e6
    asked = Counter(line.split(" ", 1)[1] for line in lines)
    assert set(asked.values()) == {2, 3} and sum(asked.values()) == len(lines) == 2400
    # the interval longer than the run: each person's phase falls in it or not, never twice
    assert len(polls(people, poll_s=300, duration_s=40)) == 134


def test_paced_lines_keep_the_pace():
    lines = paced(["POST /r {}"] * 5, per_s=200)
    assert [due(line) for line in lines] == [500000, 505000, 510000, 515000, 520000]
