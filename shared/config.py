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
    timezone: str = "Asia/Shanghai"
    # Kafka consumer tuning for Tansu; see docs/kafka.md for the measurements behind the defaults.
    kafka_session_timeout_ms: int = 6000
    kafka_heartbeat_interval_ms: int = 2000
    kafka_fetch_max_wait_ms: int = 100
    consumer_max_retries: int = 5
    consumer_backoff_ms: int = 200
    max_request_bytes: int = 64 * 1024
    # Registration attempts per client address and per phone, per minute (0 = off).
    rate_limit_ip_per_min: int = 120
    rate_limit_phone_per_min: int = 6
    # Check-in requests per staff token per minute (0 = off).
    rate_limit_token_per_min: int = 600
    # Reverse proxies in front of the services whose X-Forwarded-For is trusted (0 = none).
    trusted_proxies: int = 0
    extra: dict = field(default_factory=dict)

    def with_overrides(self, **kwargs) -> "Settings":
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
        timezone=_env("SCIDAY_TIMEZONE", "Asia/Shanghai"),
        kafka_session_timeout_ms=_int("SCIDAY_KAFKA_SESSION_TIMEOUT_MS", 6000),
        kafka_heartbeat_interval_ms=_int("SCIDAY_KAFKA_HEARTBEAT_INTERVAL_MS", 2000),
        kafka_fetch_max_wait_ms=_int("SCIDAY_KAFKA_FETCH_MAX_WAIT_MS", 100),
        consumer_max_retries=_int("SCIDAY_CONSUMER_MAX_RETRIES", 5),
        consumer_backoff_ms=_int("SCIDAY_CONSUMER_BACKOFF_MS", 200),
        max_request_bytes=_int("SCIDAY_MAX_REQUEST_BYTES", 64 * 1024),
        rate_limit_ip_per_min=_int("SCIDAY_RATE_LIMIT_IP_PER_MIN", 120),
        rate_limit_phone_per_min=_int("SCIDAY_RATE_LIMIT_PHONE_PER_MIN", 6),
        rate_limit_token_per_min=_int("SCIDAY_RATE_LIMIT_TOKEN_PER_MIN", 600),
        trusted_proxies=_int("SCIDAY_TRUSTED_PROXIES", 0),
    )
    if overrides:
        settings = settings.with_overrides(**overrides)
    return settings
