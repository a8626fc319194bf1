"""The queue page's next ask (queue/rules.py ``poll_s``): at the moments that matter, a heartbeat
between them, never under the floor, and a crowd held to the polls' budget (issue 28 item 5)."""

from __future__ import annotations

from services.registration.queue.rules import Pace, crowd_s, poll_s

PACE = Pace(floor_s=5, heartbeat_s=60, polls_per_s=75, jitter_pct=20)  # the settings' defaults
NOW = 1_800_000_000_000  # ms; any fixed instant


def at(due_s: float | None, joined: int = 10, *, spread: bool = False, rnd: float = 0.0) -> int:
    due = None if due_s is None else NOW + due_s * 1000
    return poll_s(PACE, NOW, due, joined, spread=spread, rnd=rnd)


def test_without_a_known_moment_the_heartbeat_is_shortened_by_at_most_its_jitter():
    # sold out, closed, admitted, not joined: nothing foreseeable, the heartbeat
    beats = [at(None, rnd=r / 100) for r in range(100)]
    assert max(beats) == 60 and min(beats) >= 48  # 20 % of 60
    assert len(set(beats)) > 5  # the pages do not all beat together


def test_a_release_further_than_the_heartbeat_waits_one_beat():
    assert at(30 * 60, spread=True) == 60


def test_a_near_release_is_asked_at_its_time_spread_over_the_crowds_time_at_the_budget():
    assert at(20, joined=10, spread=True, rnd=0.0) == 20
    # 50,000 pages at 75 asks/s take 667 s: the beat is 667 s, the release's asks spread over it
    asks = [at(20, joined=50_000, spread=True, rnd=r / 1000) for r in range(1000)]
    assert min(asks) == 20 and max(asks) <= 667
    assert max(asks) - min(asks) >= 50  # spread, not all at once (a beat may come first)


def test_a_queued_place_asks_at_its_admission_never_later_than_the_heartbeat():
    assert at(12.2, rnd=0.9) == 13  # its turn, rounded up, no spread
    assert at(12.2, joined=50_000, rnd=0.9) == 13  # the crowd does not delay a known turn
    assert at(3600, rnd=0.0) == 60
    assert all(at(3600, rnd=r / 10) <= 60 for r in range(10))


def test_never_under_the_floor():
    assert at(0.5) == 5
    assert at(-30) == 5  # a moment already past (the release while its shuffle is written)
    assert poll_s(Pace(5, 2, 75, 20), NOW, None, 1, spread=False, rnd=0.0) == 5


def test_the_crowd_beats_no_more_often_than_its_budget():
    assert crowd_s(50_000, 75) == 667 and crowd_s(1, 75) == 1 and crowd_s(9, 0) == 0
    beat = at(None, joined=50_000, rnd=0.99)
    assert 534 <= beat <= 667  # 50,000 pages every >= 534 s: at most 94 asks/s (75 on average)
    assert 50_000 / at(None, joined=50_000, rnd=0.0) <= 75


def test_admissions_never_run_far_ahead_of_the_seats():
    """12,000 a minute for 300 seats would admit 20,000 people within 100 s of the release, and the
    seats would go to whoever's page asked first among them: the activity's rate is bounded by its
    seats (SCIDAY_QUEUE_SEAT_RATE people per seat per minute)."""
    from services.registration.queue import rules as queue_rules

    assert queue_rules.rate(12000, 300, 1.0) == 300
    assert queue_rules.rate(12000, 300, 2.5) == 750
    assert queue_rules.rate(120, 300, 1.0) == 120  # the registration path's rate still bounds it
    assert queue_rules.rate(12000, 300, 0) == 12000  # the bound turned off
    assert queue_rules.rate(12000, 0, 1.0) == 1
    # place 301 is admitted a minute after the release, not within a second
    assert queue_rules.admit_ms(301, 0, queue_rules.rate(12000, 300, 1.0)) == 60_000
