"""Helpers for the release queue's fairness tests (issue 28): Kendall's tau between two orders.

Computed here (scipy is not a dependency): tau-a = (concordant - discordant) / (n choose 2), the
discordant pairs counted as the inversions of one order read in the other's sequence (merge sort,
O(n log n)). Orders are lists of distinct ids; only ids present in both count.
"""

from __future__ import annotations

from collections.abc import Sequence


def _inversions(seq: list[int]) -> tuple[list[int], int]:
    if len(seq) < 2:
        return seq, 0
    mid = len(seq) // 2
    left, a = _inversions(seq[:mid])
    right, b = _inversions(seq[mid:])
    merged, count, i, j = [], a + b, 0, 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            count += len(left) - i
            j += 1
    return merged + left[i:] + right[j:], count


def kendall_tau(first: Sequence[str], second: Sequence[str]) -> float:
    """Kendall's tau-a between the order of ``first`` and the order of ``second`` (no ties)."""
    rank = {qid: i for i, qid in enumerate(first)}
    seq = [rank[qid] for qid in second if qid in rank]
    n = len(seq)
    if n < 2:
        raise ValueError("tau needs two ids in both orders")
    pairs = n * (n - 1) // 2
    _, discordant = _inversions(seq)
    return (pairs - 2 * discordant) / pairs
