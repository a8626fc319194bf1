"""The settings of one theme: where Redis, Kafka and the services are; the Kafka clients, the consumer loop, the relay and the
web edge's limits.

Part of :class:`shared.config.Settings` (declared here, combined there; docs/settings.md lists
them all).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field

from shared.settings_base import SettingsBase


class Platform(SettingsBase):
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0", validation_alias=AliasChoices("REDIS_URL", "SCIDAY_REDIS_URL")
    )
    """Where Redis is. Read from the well-known REDIS_URL as well as SCIDAY_REDIS_URL (the first wins)."""
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "SCIDAY_KAFKA_BOOTSTRAP_SERVERS"),
    )
    """The brokers, comma-separated. Read from the well-known KAFKA_BOOTSTRAP_SERVERS as well as
    SCIDAY_KAFKA_BOOTSTRAP_SERVERS (the first wins)."""
    redis_prefix: str = "sciday:"
    """Prefix of every Redis key, so several stacks (or tests) can share one Redis."""
    topic_prefix: str = ""
    """Prefix of every Kafka topic, so several stacks (or tests) can share one broker."""
    var_dir: Path = Path("var")
    """Folder of the running stack's files (logs, keys, backups)."""
    keys_dir: Path = Path("var/keys")
    """Folder of the key files `make run` makes. Unset: <var_dir>/keys."""
    registration_port: int = 8001
    """Port the registration service listens on."""
    checkin_port: int = 8002
    """Port the check-in service listens on."""
    notify_port: int = 8003
    """Port the notify service listens on."""
    public_base_url: str = "http://127.0.0.1:8001"
    """Public base URL of the registration service: ticket and manage links are built from it. Unset: follows
    registration_port."""
    registration_url: str = "http://127.0.0.1:8001"
    """Where other services call registration server-side (the check-in summary reads its turned_away
    figures). Unset: follows registration_port."""
    notify_url: str = "http://127.0.0.1:8003"
    """Where registration calls notify server-side (verification codes; the organizer page hands it notices).
    Unset: follows notify_port."""
    checkin_url: str = "http://127.0.0.1:8002"
    """The registrations export asks the check-in service how many of each party were admitted. Unset:
    follows checkin_port."""
    timezone: str = "Asia/Shanghai"
    """The festival's time zone (IANA): every date shown and every rule by the day is in it."""
    kafka_session_timeout_ms: int = 6000
    """Kafka consumer session timeout, tuned for Tansu (docs/kafka.md has the measurements)."""
    kafka_metadata_max_age_ms: int = 30000
    """How old a consumer's topic metadata may get before it asks again.  A member that joined
    before a topic's partitions were known is assigned nothing from it until this refresh
    (the client's default is five minutes)."""
    kafka_heartbeat_interval_ms: int = 2000
    """Kafka consumer heartbeat interval (docs/kafka.md)."""
    kafka_fetch_max_wait_ms: int = 100
    """How long a fetch waits for kafka_fetch_min_bytes (docs/kafka.md)."""
    kafka_fetch_min_bytes: int = 1
    """A fetch waits (up to kafka_fetch_max_wait_ms) until this many bytes are there: 1 answers at the first
    record, so a trickle of registrations costs one fetch per record or two."""
    topic_replication_factor: int = 1
    """Replication of the topics ensure_topics creates (shared/topics.py): 1 for one broker (Tansu in
    development), 3 in production on three Apache Kafka brokers; 0 = the broker's own."""
    topic_min_insync_replicas: int = 0
    """min.insync.replicas of those topics: 2 in production on three brokers; 0 = the broker's own."""
    kafka_idempotent_producer: bool = False
    """Idempotent producer: on (1) for Apache Kafka, off (0) for Tansu (it forgets producer ids on restart)."""
    consumer_max_retries: int = 5
    """A handler exception is retried in place with backoff; a record still failing after this many retries
    halts the consumer (shared/consumer.py)."""
    consumer_backoff_ms: int = 200
    """The backoff of a handler retried in place, from this many ms (see consumer_max_retries)."""
    consumer_failure_window: int = 100
    """The last this many records, over which consumer_halt_failure_share is counted."""
    consumer_halt_failure_share: float = 0.5
    """Share of the last consumer_failure_window records needing a retry that halts the consumer."""
    consumer_dlq_max: int = 100
    """More than this many poison records within consumer_dlq_window_s halts the consumer too."""
    consumer_dlq_window_s: float = 60.0
    """The window of consumer_dlq_max, in seconds."""
    # -- issue 18: batches (shared/consumer.py) -------------------------------------------------
    consumer_batch_handlers: bool = True
    """A consumer hands a whole poll batch to its batch handler (0: record by record, as before issue 18; the
    dedupe marks are read and written per batch either way)."""
    kafka_max_poll_records: int = 500
    """Records per poll; a batch handler writes each poll batch in two or three round trips."""
    # -- issue 18, session 2: the relay's record batches (shared/outbox.py) ----------------------
    relay_batch_bytes: int = 256 * 1024
    """Bytes per record batch the relay's producer fills (kafka-python's default is 16 KiB, ~20 envelopes: a
    new batch, a wake-up of its sender thread and a CRC every ~20 records)."""
    relay_linger_ms: int = 20
    """A relay step that read less than a full batch (a trickle, not a burst) waits this long for more before
    producing: one produce, one lease renewal and one cursor move for all of them instead of for every one
    or two events (0: produce at once)."""
    max_request_bytes: int = 64 * 1024
    """Largest request body a service accepts, in bytes (the spreadsheet import has its own bound)."""
    rate_limit_ip_per_min: int = 120
    """Registration attempts per client address per minute (0 = off)."""
    rate_limit_phone_per_min: int = 6
    """Registration attempts per verified phone per minute (0 = off)."""
    soldout_memo_ms: int = 500
    """How long a worker answers sold_out from memory after the seat script said so (0 = never); see
    services/registration/seats/soldout.py."""
    rate_limit_token_per_min: int = 600
    """Check-in requests per staff token per minute (0 = off)."""
    trusted_proxies: str = ""
    """Reverse proxies whose X-Forwarded-For is trusted: addresses or CIDR blocks, comma-separated ("" =
    none); see shared/clientaddr.py."""
