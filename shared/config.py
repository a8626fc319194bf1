"""Configuration from the environment, with development defaults.

Every process reads its settings once, through :func:`load`.  Nothing here connects to anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _float(name: str, default: float) -> float:
    return float(_env(name, str(default)))


@dataclass(frozen=True)
class Settings:
    redis_url: str = "redis://127.0.0.1:6379/0"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Prefix for every Redis key and Kafka topic, so several stacks (or tests) can share servers.
    redis_prefix: str = "sciday:"
    topic_prefix: str = ""
    var_dir: Path = Path("var")
    keys_dir: Path = Path("var/keys")
    registration_port: int = 8001
    checkin_port: int = 8002
    notify_port: int = 8003
    # Public base URL of the registration service: ticket and manage links are built from it.
    public_base_url: str = "http://127.0.0.1:8001"
    # Where one service calls another server-side (the summary reads the registration service's
    # turned_away figures; the organizer page hands notices to the notify service).
    registration_url: str = "http://127.0.0.1:8001"
    notify_url: str = "http://127.0.0.1:8003"
    timezone: str = "Asia/Shanghai"
    # Kafka consumer tuning for Tansu; see docs/kafka.md for the measurements behind the defaults.
    kafka_session_timeout_ms: int = 6000
    kafka_heartbeat_interval_ms: int = 2000
    kafka_fetch_max_wait_ms: int = 100
    # Idempotent producer: on for Apache Kafka, off for Tansu (it forgets producer ids on restart).
    kafka_idempotent_producer: bool = False
    consumer_max_retries: int = 5
    consumer_backoff_ms: int = 200
    max_request_bytes: int = 64 * 1024
    # Registration attempts per client address and per phone, per minute (0 = off).
    rate_limit_ip_per_min: int = 120
    rate_limit_phone_per_min: int = 6
    # How long a worker answers sold_out from memory after the seat script said so (0 = never);
    # see services/registration/soldout.py.
    soldout_memo_ms: int = 500
    # Check-in requests per staff token per minute (0 = off).
    rate_limit_token_per_min: int = 600
    # Reverse proxies in front of the services whose X-Forwarded-For is trusted (0 = none).
    trusted_proxies: int = 0
    extra: dict = field(default_factory=dict)
    # --- notify (services/notify): channels, rate limits, retries, reminders -----------------
    # SMS goes to an HTTP gateway through the adapter named by sms_provider (channels/sms.py).
    sms_provider: str = "http"
    sms_gateway_url: str = "http://127.0.0.1:8004/api/v1/sms"
    sms_api_key: str = ""  # HMAC key for the gateway; a credential, never in a committed file
    sms_sign_name: str = "科技节"  # the SMS signature (签名): the sender the rate limit applies to
    # Provider template ids, "confirmed.zh-CN=SMS_123,confirmed.en=SMS_124"; default "<name>.<locale>".
    sms_template_ids: str = ""
    # 1 when the gateway drops a repeated client_ref (so a resend after a crash is safe).
    sms_gateway_idempotent: int = 1
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: int = 0
    mail_from: str = "科技节 <noreply@sciday.local>"
    # Messages per second per sender and channel (0 = no limit); a queue forms in Redis.
    notify_sms_per_s: float = 10.0
    notify_email_per_s: float = 10.0
    # Provider failures: attempts in all, exponential backoff from backoff_ms up to backoff_max_ms.
    notify_max_attempts: int = 10
    notify_backoff_ms: int = 1000
    notify_backoff_max_ms: int = 300_000
    # A claimed message whose sender vanished is taken over after this many seconds.
    notify_lease_s: int = 60
    notify_provider_timeout_s: float = 10.0
    notify_retention_days: int = 30
    # Reminders before the start, in minutes (24 h and 2 h).
    reminder_offsets_min: str = "1440,120"
    reminder_poll_ms: int = 1000

    def with_overrides(self, **kwargs) -> Settings:
        return replace(self, **kwargs)


def load(overrides: dict | None = None) -> Settings:
    """Read settings from ``SCIDAY_*`` / well-known environment variables."""
    var_dir = Path(_env("SCIDAY_VAR_DIR", "var"))
    registration_port = _int("SCIDAY_REGISTRATION_PORT", 8001)
    settings = Settings(
        redis_url=_env("REDIS_URL", "redis://127.0.0.1:6379/0"),
        kafka_bootstrap_servers=_env("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        redis_prefix=_env("SCIDAY_REDIS_PREFIX", "sciday:"),
        topic_prefix=_env("SCIDAY_TOPIC_PREFIX", ""),
        var_dir=var_dir,
        keys_dir=Path(_env("SCIDAY_KEYS_DIR", str(var_dir / "keys"))),
        registration_port=registration_port,
        checkin_port=_int("SCIDAY_CHECKIN_PORT", 8002),
        notify_port=_int("SCIDAY_NOTIFY_PORT", 8003),
        public_base_url=_env("SCIDAY_PUBLIC_BASE_URL", f"http://127.0.0.1:{registration_port}"),
        registration_url=_env("SCIDAY_REGISTRATION_URL", f"http://127.0.0.1:{registration_port}"),
        notify_url=_env("SCIDAY_NOTIFY_URL", f"http://127.0.0.1:{_int('SCIDAY_NOTIFY_PORT', 8003)}"),
        timezone=_env("SCIDAY_TIMEZONE", "Asia/Shanghai"),
        kafka_session_timeout_ms=_int("SCIDAY_KAFKA_SESSION_TIMEOUT_MS", 6000),
        kafka_heartbeat_interval_ms=_int("SCIDAY_KAFKA_HEARTBEAT_INTERVAL_MS", 2000),
        kafka_fetch_max_wait_ms=_int("SCIDAY_KAFKA_FETCH_MAX_WAIT_MS", 100),
        kafka_idempotent_producer=bool(_int("SCIDAY_KAFKA_IDEMPOTENT_PRODUCER", 0)),
        consumer_max_retries=_int("SCIDAY_CONSUMER_MAX_RETRIES", 5),
        consumer_backoff_ms=_int("SCIDAY_CONSUMER_BACKOFF_MS", 200),
        max_request_bytes=_int("SCIDAY_MAX_REQUEST_BYTES", 64 * 1024),
        rate_limit_ip_per_min=_int("SCIDAY_RATE_LIMIT_IP_PER_MIN", 120),
        rate_limit_phone_per_min=_int("SCIDAY_RATE_LIMIT_PHONE_PER_MIN", 6),
        soldout_memo_ms=_int("SCIDAY_SOLDOUT_MEMO_MS", 500),
        rate_limit_token_per_min=_int("SCIDAY_RATE_LIMIT_TOKEN_PER_MIN", 600),
        trusted_proxies=_int("SCIDAY_TRUSTED_PROXIES", 0),
        sms_provider=_env("SCIDAY_SMS_PROVIDER", "http"),
        sms_gateway_url=_env("SCIDAY_SMS_GATEWAY_URL", "http://127.0.0.1:8004/api/v1/sms"),
        sms_api_key=_env("SCIDAY_SMS_API_KEY", ""),
        sms_sign_name=_env("SCIDAY_SMS_SIGN_NAME", "科技节"),
        sms_template_ids=_env("SCIDAY_SMS_TEMPLATE_IDS", ""),
        sms_gateway_idempotent=_int("SCIDAY_SMS_GATEWAY_IDEMPOTENT", 1),
        smtp_host=_env("SCIDAY_SMTP_HOST", "127.0.0.1"),
        smtp_port=_int("SCIDAY_SMTP_PORT", 1025),
        smtp_user=_env("SCIDAY_SMTP_USER", ""),
        smtp_password=_env("SCIDAY_SMTP_PASSWORD", ""),
        smtp_starttls=_int("SCIDAY_SMTP_STARTTLS", 0),
        mail_from=_env("SCIDAY_MAIL_FROM", "科技节 <noreply@sciday.local>"),
        notify_sms_per_s=_float("SCIDAY_NOTIFY_SMS_PER_S", 10.0),
        notify_email_per_s=_float("SCIDAY_NOTIFY_EMAIL_PER_S", 10.0),
        notify_max_attempts=_int("SCIDAY_NOTIFY_MAX_ATTEMPTS", 10),
        notify_backoff_ms=_int("SCIDAY_NOTIFY_BACKOFF_MS", 1000),
        notify_backoff_max_ms=_int("SCIDAY_NOTIFY_BACKOFF_MAX_MS", 300_000),
        notify_lease_s=_int("SCIDAY_NOTIFY_LEASE_S", 60),
        notify_provider_timeout_s=_float("SCIDAY_NOTIFY_PROVIDER_TIMEOUT_S", 10.0),
        notify_retention_days=_int("SCIDAY_NOTIFY_RETENTION_DAYS", 30),
        reminder_offsets_min=_env("SCIDAY_REMINDER_OFFSETS_MIN", "1440,120"),
        reminder_poll_ms=_int("SCIDAY_REMINDER_POLL_MS", 1000),
    )
    if overrides:
        settings = settings.with_overrides(**overrides)
    return settings
