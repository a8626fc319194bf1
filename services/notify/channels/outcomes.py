"""What a sender writes when a message ends or waits: retried with backoff, failed (a
NotificationFailed event and a dead letter, under the dead-letter cap), skipped, deferred until its
activity's snapshot arrives.  ``sender.Sender`` takes these steps; see its module for the order.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter

from services.notify import vocabulary as V
from services.notify.channels import ProviderError
from services.notify.delivery.dead_letters import HELD, DeadLetterCap
from services.notify.delivery.publisher import outcome_event
from services.notify.reminders.schedule import ms_of
from shared.clock import Clock, epoch_ms

log = logging.getLogger("sciday.notify.sender")

OUTCOMES = Counter("sciday_notifications_total", "Notification outcomes", ["channel", "outcome"])
# How long a message may wait for its activity's snapshot (the two topics are read independently).
WAIT_FOR_ACTIVITY_MS = 10 * 60_000


def backoff_ms(attempt: int, base_ms: int, max_ms: int) -> int:
    """Delay before attempt ``attempt + 1``: base, 2×base, 4×base, … capped at ``max_ms``."""
    return min(base_ms * (2 ** (attempt - 1)), max_ms)


class Outcomes:
    """A sender's outcomes; ``Sender.__init__`` sets what they work with."""

    channel: Any  # the channel: name, sender, idempotent, send()
    deliveries: Any  # delivery.intents.Deliveries
    projection: Any  # notify's projection
    publisher: Any  # notify's outbox
    settings: Any
    clock: Clock
    dead_letters: DeadLetterCap

    def now_ms(self) -> int:
        return epoch_ms(self.clock)

    def _retry_or_fail(self, intent: dict, exc: ProviderError) -> str:
        """Try again later with backoff, or, when retrying cannot help or the attempts are spent,
        fail the message (a NotificationFailed event and a dead letter)."""
        attempt = int(intent.get("failures", 0)) + 1
        if exc.retryable and attempt < self.settings.notify_max_attempts:
            delay = backoff_ms(attempt, self.settings.notify_backoff_ms, self.settings.notify_backoff_max_ms)
            self.deliveries.mark_retry(intent, str(exc), self.now_ms() + delay)
            OUTCOMES.labels(self.channel.name, "retry").inc()
            log.warning(
                "%s %s attempt %d failed, retry in %d ms: %s",
                self.channel.name,
                intent["notification_id"],
                attempt,
                delay,
                exc,
            )
            return V.RETRYING
        return self._fail(intent, str(exc), attempt)

    def skip_reason(self, intent: dict, activity: dict) -> str:
        """Why a message is no longer worth sending ("" when it is)."""
        template = intent["template"]
        if template not in (V.REMINDER_TEMPLATE, V.ACTIVITY_CHANGED_TEMPLATE, V.ACTIVITY_CANCELLED_TEMPLATE):
            return ""  # the registrant's own messages always go: each says what happened
        reg = self.projection.registration(intent["activity_id"], intent["registration_id"]) or {}
        if reg.get("status") == V.CANCELLED:
            return "registration cancelled since"
        if template == V.REMINDER_TEMPLATE:
            ctx, now = intent.get("context") or {}, self.now_ms()
            if reg.get("status") != V.CONFIRMED or activity.get("status") != V.SCHEDULED:
                return "no longer confirmed or activity cancelled"
            if ms_of(activity["starts_at"]) != ms_of(ctx["starts_at"]):
                return "activity time changed; the reminder was rescheduled"
            if now >= ms_of(activity["starts_at"]):
                return "activity already started"
        return ""

    def _wait_for_activity(self, intent: dict) -> str:
        now = self.now_ms()
        recorded = ms_of(intent["recorded_at"])
        if now - recorded > WAIT_FOR_ACTIVITY_MS:
            return self._fail(intent, "activity details never arrived", int(intent.get("failures", 0)) + 1)
        self.deliveries.defer(intent, now + 500, "waiting for the activity's details")
        return V.DEFERRED

    def _final(self, intent: dict, status: str, why: str) -> str:
        self.deliveries.mark_final(intent, status, why, self.now_ms())
        OUTCOMES.labels(self.channel.name, status).inc()
        return status

    def _fail(self, intent: dict, error: str, attempts: int) -> str:
        now = self.now_ms()
        if not self.dead_letters.allow(now / 1000):
            self.deliveries.defer(intent, now + self.settings.notify_backoff_max_ms, f"held: {error}"[:500])
            HELD.labels(self.channel.name).inc()
            log.critical(
                "%s %s: not dead-lettered, the cap of %d in %s s is reached; put back: %s",
                self.channel.name,
                intent["notification_id"],
                self.settings.consumer_dlq_max,
                self.settings.consumer_dlq_window_s,
                error,
            )
            return V.DEFERRED
        event = outcome_event(
            V.NOTIFICATION_FAILED, intent, as_datetime(now), error=error[:500], attempts=attempts
        )

        def also(pipe):
            self.publisher.add_event(pipe, event)
            self.publisher.add_dead_letter(pipe, intent, error, attempts)

        self.deliveries.mark_final(intent, V.FAILED, error, now, also)
        OUTCOMES.labels(self.channel.name, V.FAILED).inc()
        log.error(
            "%s %s failed after %d attempts: %s",
            self.channel.name,
            intent["notification_id"],
            attempts,
            error,
        )
        return V.FAILED


def as_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
