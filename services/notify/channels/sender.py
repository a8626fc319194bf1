"""One sender per channel: drains that channel's queue at its own rate.

Per message: take a turn under the channel's rate limit, claim the message (a lease), check it is
still worth sending, render it, write "handoff", call the provider, then write the outcome and its
event in one MULTI.  Provider errors are retried with exponential backoff; after
``notify_max_attempts`` (or at once when the provider says retrying cannot help) the message is
"failed": a NotificationFailed event and a dead letter go out through notify's outbox.

The SMS and email senders are separate threads with separate queues and rate limits, so a queue
of SMS never delays an email, and a dead SMTP server never delays an SMS.

After a crash, a message found in "handoff" may already be with the provider.  It is sent again,
under the same notification id, only if the channel is idempotent (the SMS gateway drops a
repeated client_ref); otherwise it is marked "uncertain" and not sent again, so nobody gets it
twice.  docs/notifications.md measures that window.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from pathlib import Path

from services.notify import vocabulary as V
from services.notify.channels import LostClaim, ProviderError
from services.notify.channels.outcomes import OUTCOMES, Outcomes, as_datetime
from services.notify.delivery import messages
from services.notify.delivery.dead_letters import DeadLetterCap
from services.notify.delivery.publisher import outcome_event
from services.notify.reminders.schedule import ms_of
from shared import periodic
from shared.clock import SYSTEM_CLOCK, Clock
from shared.masking import mask_phone as masked
from shared.redis_scripts import OUTAGE, Scripts

log = logging.getLogger("sciday.notify.sender")


def _masked(channel: str, recipient: str) -> str:
    """138****5678 for a phone; ***@example.com for an address."""
    if channel == "sms":
        return masked(recipient)
    return "***@" + recipient.rpartition("@")[2]


class RateLimit:
    """``per_s`` messages per second for one (channel, sender), shared by every worker via Redis."""

    def __init__(self, redis, prefix: str, channel: str, sender: str, per_s: float):
        digest = hashlib.sha1(sender.encode()).hexdigest()[:16]
        self.key, self.per_s = f"{prefix}nt:rate:{channel}:{digest}", per_s
        self.scripts = Scripts(redis, Path(__file__).parent, ["rate"])

    def wait_ms(self) -> int:
        """0 when a message may go now (its turn is taken), else how long to wait."""
        if self.per_s <= 0:
            return 0
        return int(self.scripts.rate(keys=[self.key], args=[int(time.time() * 1000), 1000.0 / self.per_s]))


class Sender(Outcomes):
    """The loop over one channel's queue, and one message from its claim to its outcome."""

    def __init__(
        self,
        channel,
        deliveries,
        projection,
        publisher,
        settings,
        *,
        clock: Clock = SYSTEM_CLOCK,
        rate: RateLimit | None = None,
    ):
        self.channel, self.deliveries, self.projection = channel, deliveries, projection
        self.publisher, self.settings, self.clock = publisher, settings, clock
        self.rate = rate or RateLimit(
            deliveries.redis, settings.redis_prefix, channel.name, channel.sender, 0
        )
        self.lease_ms = settings.notify_lease_s * 1000
        self.held: tuple[str, str] | None = None  # a claim left behind when Redis went away
        self.dead_letters = DeadLetterCap(settings.consumer_dlq_max, settings.consumer_dlq_window_s)

    # -- the loop ------------------------------------------------------------------------------------
    def run(self, stop) -> None:
        """Send until ``stop`` is set: turns of the one periodic loop (shared/periodic.py) with no
        pause between them, since a turn waits by itself (for the rate, or on the channel's wake-up
        list when nothing is due). After a Redis outage or an unexpected error it waits a second;
        the message stays queued."""
        # A step sends at most one message (its provider's timeout) under its lease.
        periodic.every(f"sender:{self.channel.name}", 0.0, lambda: self._turn(stop), stop, self.settings,
                       pass_s=self.lease_ms / 1000, retry_s=0.5, backoff_max_s=1.0)  # fmt: skip

    def _turn(self, stop) -> None:
        try:
            self.release_held()
            if not self.step(stop):
                self._idle()
        except OUTAGE:
            raise  # the claim stays held, given back by the next turn (release_held)
        except Exception:
            self.held = None  # not an outage: the lease decides when it is tried again
            raise

    def release_held(self) -> None:
        """Give back the claim a Redis outage interrupted, so the message need not wait out its lease."""
        if self.held is not None:
            nid, token = self.held
            released = self.deliveries.release(self.channel.name, nid, token, self.now_ms())
            log.info(
                "%s %s: claim interrupted by a Redis outage %s",
                self.channel.name,
                nid,
                "given back" if released else "was already finished or taken over",
            )
            self.held = None

    def step(self, stop=None) -> bool:
        """Send at most one due message; False when nothing is due."""
        now = self.now_ms()
        nid = self.deliveries.next_due(self.channel.name, now)
        if nid is None:
            return False
        wait = self.rate.wait_ms()
        if wait > 0:
            (stop.wait if stop is not None else time.sleep)(wait / 1000)
            return True
        # The token is chosen here and remembered until the message is done: if Redis goes away
        # mid-message (even with the claim's reply in flight), the claim is given back afterwards.
        token = secrets.token_hex(8)
        self.held = (nid, token)
        claim = self.deliveries.claim(self.channel.name, nid, self.now_ms(), self.lease_ms, token=token)
        if claim is not None:
            self.deliver(nid, *claim)
        self.held = None
        return True

    def drain(self, limit: int = 10_000) -> int:
        """Send everything due now (tests with a hand-moved clock); returns the steps taken."""
        steps = 0
        while steps < limit and self.step():
            steps += 1
        return steps

    def _idle(self) -> None:
        nxt = self.deliveries.next_at(self.channel.name)
        timeout = 1.0 if nxt is None else min(1.0, max(0.0, (nxt - self.now_ms()) / 1000))
        self.deliveries.wait(self.channel.name, timeout)

    # -- one message ---------------------------------------------------------------------------------
    def deliver(self, nid: str, previous: str, token: str) -> str:
        intent = self.deliveries.get(nid)
        settled = self._settled(intent, nid, previous)
        if settled:
            return settled
        ctx = intent.get("context") or {}
        activity = ctx.get("activity") or self.projection.activity(intent["activity_id"])
        if activity is None:
            return self._wait_for_activity(intent)
        why = self.skip_reason(intent, activity)
        if why:
            return self._final(intent, V.SKIPPED, why)
        try:
            rendered = messages.render(
                intent["template"],
                self.channel.name,
                intent.get("locale", "zh-CN"),
                messages.variables(intent, activity, self.settings.timezone),
            )
            rendered = messages.with_calendar(
                rendered, self.channel.name, intent, activity, self.settings, self.clock
            )
        except Exception as exc:  # a broken template or intent: retrying cannot help
            log.exception("cannot render %s", nid)
            return self._fail(
                intent, f"render: {type(exc).__name__}: {exc}", int(intent.get("failures", 0)) + 1
            )
        return self._hand_over(intent, nid, token, rendered)

    def _settled(self, intent: dict, nid: str, previous: str) -> str:
        """What ends a message before it is rendered: erased, gone, or a hand-off a crash cut
        short on a channel that cannot take it twice ("" when it goes on)."""
        if intent.get("shredded"):  # its data key is gone (issue 23): erased, never to be sent
            return self._final(intent, V.SKIPPED, "erased")
        if not intent or "recipient" not in intent:  # gone, or erased (issue 16)
            return V.GONE
        if previous == V.HANDOFF and not self.channel.idempotent:
            log.warning(
                "%s %s: the worker stopped while the provider had it; not sent again", intent["channel"], nid
            )
            return self._final(
                intent, V.UNCERTAIN, "worker stopped during hand-off; not sent again to avoid a duplicate"
            )
        if previous == V.HANDOFF:
            log.info("%s %s: resending after a crash under the same client_ref", intent["channel"], nid)
        return ""

    def _hand_over(self, intent: dict, nid: str, token: str, rendered) -> str:
        """Write "handoff" while the claim holds, call the provider, and record what it said."""
        handoff = {}

        def before_handoff():
            handoff["ms"] = self.now_ms()
            if not self.deliveries.mark_handoff(nid, token, handoff["ms"]):
                raise LostClaim(nid)

        try:
            provider_id = self.channel.send(intent, rendered, before_handoff)
        except LostClaim:
            log.warning(
                "%s %s: lease lost before the hand-off; the sender that took it over sends it",
                self.channel.name,
                nid,
            )
            return V.LOST
        except ProviderError as exc:
            return self._retry_or_fail(intent, exc)
        except OUTAGE:
            raise  # Redis went away: the loop waits for it and gives the claim back
        except Exception as exc:
            if "ms" in handoff:
                raise  # the provider may have it: the hand-off rules decide (uncertain / resend)
            # Neither the provider's answer nor an outage: counted as a failed attempt, so a message
            # that cannot be sent is dead-lettered after notify_max_attempts, not left to its lease
            # and tried again every minute for ever (issue 23: a title with U+2028).
            log.exception("%s %s: cannot be sent", self.channel.name, nid)
            return self._retry_or_fail(intent, ProviderError(f"send: {type(exc).__name__}: {exc}"))
        return self._sent(intent, nid, provider_id, handoff.get("ms"))

    def _sent(self, intent: dict, nid: str, provider_id: str, handoff_ms: int | None) -> str:
        """The provider took it: the outcome and its NotificationSent event in one step."""
        now = self.now_ms()
        lag = (now if handoff_ms is None else handoff_ms) - ms_of(intent["occurred_at"])
        event = outcome_event(V.NOTIFICATION_SENT, intent, as_datetime(now), provider_message_id=provider_id)
        self.deliveries.mark_sent(
            intent, provider_id, now, lag, also=lambda pipe: self.publisher.add_event(pipe, event)
        )
        OUTCOMES.labels(self.channel.name, V.SENT).inc()
        log.info(  # issue 24: a sent message is logged too, its recipient masked
            "%s %s sent to %s: %s for registration %s, provider id %s, %d ms after the event",
            self.channel.name,
            nid,
            _masked(self.channel.name, intent.get("recipient", "")),
            intent["template"],
            intent.get("registration_id", "-"),
            provider_id,
            lag,
        )
        return V.SENT
