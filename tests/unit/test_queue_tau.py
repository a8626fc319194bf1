"""The fairness measure the queue's integration tests use (tests/queue_support.py) is able to fail:
a first-come order gives tau = 1, which the fairness bound (|tau| < 0.05) refuses."""

from __future__ import annotations

import itertools
import random

from tests.queue_support import kendall_tau

BOUND = 0.05  # tests/integration/test_queue_fairness.py


def brute(first, second):
    rank = {x: i for i, x in enumerate(second)}
    score = 0
    for a, b in itertools.combinations(first, 2):  # a before b in first
        score += 1 if rank[a] < rank[b] else -1
    return score / (len(first) * (len(first) - 1) / 2)


def test_a_first_come_order_gives_one_and_fails_the_bound():
    arrivals = [f"q{i:016x}" for i in range(2000)]
    assert kendall_tau(arrivals, list(arrivals)) == 1.0
    assert not abs(kendall_tau(arrivals, list(arrivals))) < BOUND
    assert kendall_tau(arrivals, arrivals[::-1]) == -1.0


def test_the_merge_count_agrees_with_every_pair_counted():
    rnd = random.Random(28)
    for n in (2, 3, 7, 60):
        first = [f"q{i}" for i in range(n)]
        second = rnd.sample(first, n)
        assert abs(kendall_tau(first, second) - brute(first, second)) < 1e-12


def test_a_half_sorted_order_fails_the_bound():
    # the first half kept in arrival order, the second shuffled: still well above the bound
    rnd = random.Random(7)
    arrivals = [f"q{i}" for i in range(2000)]
    tail = arrivals[1000:]
    rnd.shuffle(tail)
    assert kendall_tau(arrivals, arrivals[:1000] + tail) > BOUND
