"""The cap on notify's dead letters (arroyo's guard, as shared/consumer.py has for poison records).

A message that cannot be sent is failed and dead-lettered (sender.py). A bad deploy, a broken
template or a channel that raises for everything would fail every message in the queue within
minutes; past ``consumer_dlq_max`` dead letters within ``consumer_dlq_window_s`` seconds a sender
stops failing messages and puts them back for later instead (logged at CRITICAL and counted in
``sciday_notifications_held_total``), so the operator can fix the cause and nothing is lost.
"""

from __future__ import annotations

from collections import deque

from prometheus_client import Counter

HELD = Counter(
    "sciday_notifications_held_total",
    "Failed messages put back: the dead-letter cap was reached",
    ["channel"],
)


class DeadLetterCap:
    def __init__(self, max_letters: int, window_s: float):
        self.max, self.window_s = max_letters, window_s
        self.recent: deque[float] = deque()

    def allow(self, now_s: float) -> bool:
        """True (and counted) when one more dead letter fits in the window."""
        while self.recent and self.recent[0] <= now_s - self.window_s:
            self.recent.popleft()
        if len(self.recent) >= self.max:
            return False
        self.recent.append(now_s)
        return True
