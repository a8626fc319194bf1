"""The release queue's words (issue 28, queue/, docs/queue.md), part of the registration
vocabulary (``vocabulary.py`` imports them all; its ``REASONS`` holds the reasons' texts)."""

from __future__ import annotations

from typing import Final

# Refusals: registering a queued activity without a valid admission token; the queue not open yet.
QUEUE_TOKEN_REQUIRED: Final = "queue_token_required"
QUEUE_TOKEN_EXPIRED: Final = "queue_token_expired"
QUEUE_TOKEN_INVALID: Final = "queue_token_invalid"  # another phone or activity, a bad signature
QUEUE_NOT_OPEN: Final = "queue_not_open"
# The queue's state (its hash's ``state``; queue_*.lua read them from words.lua), and ``not_open``
# before its window (no hash yet: the answers say when it opens).
Q_NOT_OPEN: Final = "not_open"
Q_WAITING: Final = "waiting"
Q_RELEASING: Final = "releasing"  # frozen at the release; the shuffle is being written
Q_RELEASED: Final = "released"
QUEUE_STATES: Final = (Q_NOT_OPEN, Q_WAITING, Q_RELEASING, Q_RELEASED)
# A person's place, as the status answers it (with SOLD_OUT).
Q_QUEUED: Final = "queued"
Q_ADMITTED: Final = "admitted"
Q_CLOSED: Final = "closed"
Q_NOT_JOINED: Final = "not_joined"
PLACE_STATES: Final = (Q_NOT_OPEN, Q_WAITING, Q_QUEUED, Q_ADMITTED, Q_CLOSED, Q_NOT_JOINED)
