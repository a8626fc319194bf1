"""The relay's topics: create the missing ones, and rewind the cursor when the broker lost them
(a recreated topic has a new id).  Mixed into :class:`shared.outbox_relay.Relay`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kafka import KafkaAdminClient

from shared.config import Settings
from shared.kafka import security
from shared.outbox_keys import cursor_key as cursor_key  # re-exported: the tests read the keys here
from shared.outbox_keys import stream_key as stream_key
from shared.topics import TOPICS, ensure_topics

log = logging.getLogger("sciday.outbox")


class RelayTopics:
    settings: Settings
    redis: Any
    stream: str
    clock: Callable[[], float]
    _checked_ids_at: float
    _admin: KafkaAdminClient | None

    def _check_quietly(self) -> None:
        self._checked_ids_at = self.clock()
        try:
            current = self.topic_ids()
            if len(current) < len(TOPICS):
                self.ensure_topics(timeout_s=3.0)  # recreate the missing topics, then compare ids
            else:
                self.check_topic_ids(current)
        except Exception as exc:  # the broker is down: the send path reports and retries
            log.debug("topic id check failed: %s", exc)

    def cursor(self) -> bytes:
        return self.redis.get(cursor_key(self.settings, self.stream)) or b"0-0"

    def ensure_topics(self, timeout_s: float = 30.0) -> None:
        """Create missing topics; if the broker lost what it had, re-send the retained outbox.

        An in-memory broker (Tansu) forgets every topic and message on restart, and whoever
        reconnects first recreates the topics. A recreated topic has a new topic id, so the relay
        remembers the ids of its topics in Redis and, when one changes, rewinds its cursor to the
        oldest retained entry: events relayed before the loss but perhaps never consumed are sent
        again. Consumers dedupe on ``event_id``, so re-sending is harmless. This also covers a
        whole `make run` restart, where Tansu starts empty and Redis remembers everything.
        """
        ensure_topics(
            self.settings.kafka_bootstrap_servers,
            self.settings.topic_prefix,
            timeout_s=timeout_s,
            client_config=security(self.settings),
        )
        self.check_topic_ids()

    def topic_ids(self) -> dict[str, str]:
        """The id of every registered topic that exists, through one admin client kept open."""
        names = [self.settings.topic_prefix + t.name for t in TOPICS]
        try:
            if self._admin is None:
                self._admin = KafkaAdminClient(
                    bootstrap_servers=self.settings.kafka_bootstrap_servers,
                    client_id="sciday-relay-check",
                    request_timeout_ms=5000,
                    **security(self.settings),
                )
            return {
                d["name"]: str(d["topic_id"])
                for d in self._admin.describe_topics(names)
                if not d.get("error_code")
            }
        except Exception:
            if self._admin is not None:
                self._admin.close()
                self._admin = None
            raise

    def check_topic_ids(self, current: dict[str, str] | None = None) -> bool:
        """Compare the topics' ids with the ones remembered; rewind if any changed. True if rewound."""
        current = self.topic_ids() if current is None else current
        key = f"{self.settings.redis_prefix}{self.stream}:topic-ids"
        known = {k.decode(): v.decode() for k, v in self.redis.hgetall(key).items()}
        changed = sorted(t for t, tid in known.items() if current.get(t) not in (None, tid))
        rewound = False
        if changed and self.cursor() != b"0-0":
            log.warning(
                "topics %s were recreated (the broker lost its data): re-sending the retained outbox", changed
            )
            self.redis.set(cursor_key(self.settings, self.stream), b"0-0")
            rewound = True
        if current:
            self.redis.hset(key, mapping=current)
        return rewound
