"""Configuration from the environment, with development defaults.

Every setting is declared once, as a field of :class:`Settings` with its default.  :func:`load`
reads each field ``name`` from ``SCIDAY_<NAME>`` (``redis_url`` and ``kafka_bootstrap_servers``
also from their well-known names ``REDIS_URL`` / ``KAFKA_BOOTSTRAP_SERVERS``), converted to the
field's type.  An unset or empty variable keeps the default.  Add a setting by adding a field.
Nothing here connects to anything.
"""

from __future__ import annotations

import os
import typing
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ENV_PREFIX = "SCIDAY_"


@dataclass(frozen=True)
class Settings:
    # Two well-known names instead of SCIDAY_REDIS_URL / SCIDAY_KAFKA_BOOTSTRAP_SERVERS (both work).
    redis_url: str = field(default="redis://127.0.0.1:6379/0", metadata={"env": "REDIS_URL"})
    kafka_bootstrap_servers: str = field(
        default="127.0.0.1:9092", metadata={"env": "KAFKA_BOOTSTRAP_SERVERS"}
    )
    # Prefix for every Redis key and Kafka topic, so several stacks (or tests) can share servers.
    redis_prefix: str = "sciday:"
    topic_prefix: str = ""
    var_dir: Path = Path("var")
    keys_dir: Path = Path("var/keys")  # unset: <var_dir>/keys
    registration_port: int = 8001
    checkin_port: int = 8002
    notify_port: int = 8003
    # Public base URL of the registration service: ticket and manage links are built from it.
    public_base_url: str = "http://127.0.0.1:8001"  # unset: follows registration_port
    # Where one service calls another server-side (the summary reads the registration service's
    # turned_away figures; the organizer page hands notices to the notify service).
    registration_url: str = "http://127.0.0.1:8001"
    notify_url: str = "http://127.0.0.1:8003"  # unset: follows notify_port
    # The registrations export asks the check-in service how many of each party were admitted.
    checkin_url: str = "http://127.0.0.1:8002"  # unset: follows checkin_port
    timezone: str = "Asia/Shanghai"
    # Kafka consumer tuning for Tansu; see docs/kafka.md for the measurements behind the defaults.
    kafka_session_timeout_ms: int = 6000
    kafka_heartbeat_interval_ms: int = 2000
    kafka_fetch_max_wait_ms: int = 100
    # A fetch waits (up to kafka_fetch_max_wait_ms) until this many bytes are there: 1 answers at
    # the first record, so a trickle of registrations costs one fetch per record or two.
    kafka_fetch_min_bytes: int = 1
    # Replication of the topics ensure_topics creates (shared/topics.py): 1 for one broker (Tansu in
    # development); production on three Apache Kafka brokers uses 3 and 2. 0 = the broker's own.
    topic_replication_factor: int = 1
    topic_min_insync_replicas: int = 0
    # Idempotent producer: on (1) for Apache Kafka, off (0) for Tansu (it forgets producer ids on
    # restart).
    kafka_idempotent_producer: bool = False
    # A handler exception is retried in place with backoff from consumer_backoff_ms; a record still
    # failing after consumer_max_retries retries halts the consumer (shared/consumer.py), as does
    # consumer_halt_failure_share of the last consumer_failure_window records needing a retry.
    consumer_max_retries: int = 5
    consumer_backoff_ms: int = 200
    consumer_failure_window: int = 100
    consumer_halt_failure_share: float = 0.5
    # More than consumer_dlq_max poison records within consumer_dlq_window_s halts it too.
    consumer_dlq_max: int = 100
    consumer_dlq_window_s: float = 60.0
    # -- issue 18: batches (shared/consumer.py) -------------------------------------------------
    # A consumer hands a whole poll batch to its batch handler (0: record by record, as before
    # issue 18; the dedupe marks are read and written per batch either way).
    consumer_batch_handlers: bool = True
    # Records per poll; a batch handler writes each poll batch in two or three round trips.
    kafka_max_poll_records: int = 500
    # -- issue 18, session 2: the relay's record batches (shared/outbox.py) ----------------------
    # Bytes per record batch the relay's producer fills (kafka-python's default is 16 KiB, ~20
    # envelopes: a new batch, a wake-up of its sender thread and a CRC every ~20 records).
    relay_batch_bytes: int = 256 * 1024
    # A relay step that read less than a full batch (a trickle, not a burst) waits this long for
    # more before producing: one produce, one lease renewal and one cursor move for all of them
    # instead of for every one or two events (0: produce at once).
    relay_linger_ms: int = 20
    max_request_bytes: int = 64 * 1024
    # Registration attempts per client address and per phone, per minute (0 = off).
    rate_limit_ip_per_min: int = 120
    rate_limit_phone_per_min: int = 6
    # How long a worker answers sold_out from memory after the seat script said so (0 = never);
    # see services/registration/soldout.py.
    soldout_memo_ms: int = 500
    # Check-in requests per staff token per minute (0 = off).
    rate_limit_token_per_min: int = 600
    # Reverse proxies whose X-Forwarded-For is trusted: addresses or CIDR blocks, comma-separated
    # ("" = none); see shared/clientaddr.py.
    trusted_proxies: str = ""
    extra: dict[str, Any] = field(default_factory=dict, metadata={"env": None})  # not from the environment
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
    # --- fair access (docs/fair-access.md; numbers from shared docs/china-booking-norms.md) -------
    # Registering needs a phone verified by SMS code (1); 0 lets a venue take bookings without.
    require_verified_phone: int = 1
    # SMS codes: validity, tries, resend cooldown, codes per phone and per address in any 24 h.
    verify_code_ttl_s: int = 300
    verify_max_attempts: int = 5
    verify_resend_cooldown_s: int = 60
    verify_daily_per_phone: int = 10
    verify_daily_per_ip: int = 50
    # A verified phone's session (cookie and bearer), in days.
    verify_session_days: int = 7
    # Issue 23: SMS spend across addresses. Codes per network prefix and codes in all, per hour
    # (0 = off): an IPv6 /verify_prefix_v6 is one subscriber (a household picks any of its 2^64
    # addresses), an IPv4 /verify_prefix_v4 is many (a carrier's or a campus's neighbours), hence two
    # caps. The venue's own networks (CIDRs, comma-separated: its visitor Wi-Fi, a campus NAT) are
    # not capped per address or prefix, as one person would be; they still count toward the hourly
    # total, which bounds the festival's SMS bill whoever asks.
    verify_hourly_per_prefix_v4: int = 60
    verify_hourly_per_prefix_v6: int = 10
    verify_hourly_global: int = 5000
    verify_prefix_v4: int = 24
    verify_prefix_v6: int = 64
    verify_venue_networks: str = ""
    # Children younger than this on the activity's day may come without an ID, with a guardian.
    child_max_age_without_id: int = 14
    # Registrations per ID (person) per festival day and per festival, across activities (0 = off).
    id_per_day: int = 2
    id_per_festival: int = 5
    # Registration attempts per ID per minute (0 = off), beside the per-IP and per-phone limits.
    rate_limit_id_per_min: int = 6
    # The key registration signs its calls to notify with (verification codes); "" = a file
    # var/keys/internal.secret that both read (make run); set it in production.
    internal_api_key: str = ""
    # The key of every keyed hash registration keeps (ID numbers, phone and address refs, codes):
    # every replica must share it, or an ID is not "once per activity". "" = a file
    # var/keys/registration-hmac.secret (make run); a credential, set it in production.
    hmac_secret: str = ""
    # --- consent through the API (i18k; services/registration/consent.py, docs/privacy.md) --
    # On: a registration or lottery entry through the JSON API without ``"consent": true`` is
    # refused (validation_failed), as the form refuses an unticked box.  Off: the API records a
    # consent it is given and asks for none (API clients from before it keep working).
    api_consent_required: bool = False
    # --- the organizers' spreadsheet import (services/registration/importer.py) ---------------
    # Bounds on what one upload may make the server read: the file, the rows and cells of the
    # sheet, an XLSX's shared strings, and the bytes its zip parts inflate to, all parts together.
    import_max_upload_bytes: int = 2 * 1024 * 1024
    import_max_rows: int = 2000
    import_max_columns: int = 64
    import_max_cells: int = 100_000
    import_max_shared_strings: int = 50_000
    import_max_inflated_bytes: int = 16 * 1024 * 1024
    # Issue 23: one zip part, and one token of a part (a text, a tag, a comment, a CDATA section),
    # inflated: a 15.9 MB comment within the total still cost a worker 11 s of parsing.
    import_max_part_bytes: int = 8 * 1024 * 1024
    import_max_token_bytes: int = 256 * 1024
    # A multi-day range given by dates alone ("2026.12.15-12.20") opens and closes daily at these
    # hours; the preview marks them as assumed until the organizer confirms.
    import_day_opens: str = "09:00"
    import_day_closes: str = "17:00"
    # --- allocation beyond first come, first served (issue 15) ------------------------------
    # Lottery (services/registration/lottery.py): winners confirm within N hours (0 = no
    # confirmation), the draw's lease, outcome events per Lua call.
    lottery_confirm_hours: int = 0
    lottery_draw_lease_s: int = 60
    lottery_publish_chunk: int = 1000
    lottery_poll_s: int = 5  # how often the scheduler looks for draws that are due
    # No-show record (services/registration/noshow.py), festival-wide; defaults after 上海博物馆
    # (3 no-shows lock 60 days) within 国家自然博物馆-like window (docs/china-booking-norms.md).
    noshow_grace_min: int = 60  # marks are made this long after the activity ends
    noshow_late_cancel_hours: int = 24  # cancelling later than this before the start counts
    noshow_marks_to_lock: int = 3
    noshow_window_days: int = 90
    noshow_lock_days: int = 60
    # Key of the holder hashes (HMAC of the phone / ID number): a credential, never committed.
    noshow_pepper: str = ""
    # On-site standby (services/checkin/standby.py).
    standby_opens_before_min: int = 60  # walk-ins may join from this long before the start
    standby_release_grace_min: int = 10  # unscanned confirmed seats are released at start + this
    standby_max_party_size: int = 4
    # --- the door (issue 16; services/checkin/usecases.py, docs/door.md) ----------------------
    # An offline scan's own time is taken only between the device's last online moment (a mark
    # the server signs) and now plus this clock skew; a mark older than door_offline_max_s is
    # refused, so an old mark cannot date a scan back to another day.
    door_clock_skew_s: int = 30
    door_offline_max_s: int = 8 * 3600
    # Key of those marks; "" = a file var/keys/door-mark.secret (make run). Every check-in
    # replica must share it.
    door_mark_key: str = ""
    # Registration tells the door of a cancellation at once (a signed call to check-in), beside
    # the event; this long at most, so a cancellation never waits on a door that is down.
    door_revocation_timeout_ms: int = 500
    # Issue 23: the door matches each real-name member's ID card (shared/door_id.py). The master key
    # of the door hashes, shared by registration and check-in ("" = a file var/keys/door-id.secret,
    # make run; a credential, set it in production); and whether a real-name party's members must
    # each show their card (on: a scan without a card admits only members booked without one).
    door_id_key: str = ""
    door_id_required: bool = True
    # --- credentials and least privilege (issue 16; docs/privacy.md) -------------------------
    # Every setting may instead be read from a file named by SCIDAY_<NAME>_FILE (Docker and
    # Kubernetes secrets). Each service has its own Redis ACL user and Kafka SCRAM user
    # (sciday/credentials.py); "" = Redis's default user / no SASL (development without them).
    redis_username: str = ""
    redis_password: str = ""  # a credential, never in a committed file
    kafka_security_protocol: str = "PLAINTEXT"  # SASL_PLAINTEXT or SASL_SSL with SCRAM users
    kafka_sasl_mechanism: str = "SCRAM-SHA-512"
    kafka_username: str = ""
    kafka_password: str = ""  # a credential, never in a committed file

    # --- personal data (issue 16, shared/sealed.py, docs/privacy.md) ------------------------
    # AES-GCM key rings "<kid>:<base64url 32 bytes>,...", the highest kid sealing; "" = the files
    # <keys_dir>/seal-<purpose>-<kid>.key, made on first use (make run). Credentials: set in production.
    seal_keys_registration: str = ""
    seal_keys_notify: str = ""
    # Personal fields of a registration are erased this many days after its activity ended
    # (services/registration/retention.py; statistics stay); the sweep looks every poll_s seconds.
    retention_days: int = 30
    retention_poll_s: int = 3600
    # Wiring of §2/§3 (issue 15): how often the schedulers look for work that is due.
    noshow_sweep_poll_s: int = 30  # the no-show worker's sweep of activities ended + grace
    noshow_sweep_lease_s: int = 300  # one worker sweeps an activity at a time
    standby_release_poll_s: int = 15  # the standby scheduler's release at start + grace
    standby_auto_call: int = 1  # the scheduler calls waiting numbers as released seats free up
    # Issue 23: a signed internal call (shared/internal.py) is accepted this far from the
    # receiver's clock, and its nonce is remembered for twice this, so a replay is refused.
    internal_signature_skew_s: int = 60
    # --- real-name verification (issue 23; services/registration/realname.py, fair-access.md) --
    # The authority a real-name activity's members are checked against (二要素: name and ID
    # number), a provider over HTTP (realname_http.py; `make run` and the tests point it at the
    # local stand-in, standins/realname.py).  "" = no provider: nobody is confirmed.
    realname_url: str = "http://127.0.0.1:8006/api/v1/verify"
    realname_api_key: str = ""  # the provider's key (a Bearer token); a credential, never committed
    realname_timeout_ms: int = 3000  # then realname_unavailable (503), never a pass
    # Off (the default): a member the authority does not confirm, or cannot check now, may not
    # book a real-name activity.  On: they book, recorded ``verified: false``.
    realname_unverified_may_book: bool = False
    # A positive answer is remembered this long per (name, ID hash) in Redis (0 = ask every time).
    realname_cache_s: int = 86400
    # -- issue 23 §3: slow clients (sciday/gunicorn_worker.py) -----------------------------------
    # A connection gets a worker thread only once its request has arrived; until then it waits in
    # the worker's poller.  Its request line and headers must arrive within this many seconds of
    # the connection (or of the first byte of a kept-alive connection's next request)...
    web_header_timeout_s: float = 10.0
    # ...and its body may pause at most this long between two reads (nginx's client_body_timeout).
    web_body_timeout_s: float = 10.0
    # Bodies of known length up to this many bytes are read before a thread is given (the largest
    # upload, the spreadsheet import, plus its form's overhead); a larger one is handed over as
    # soon as its headers are in, for the app to refuse.
    web_buffer_body_bytes: int = 2 * 1024 * 1024 + 64 * 1024
    # gunicorn keeps an idle connection this many seconds (`keepalive`, sciday/gunicorn_conf.py):
    # longer than nginx keeps its idle upstream connections (`keepalive_timeout 20s` in
    # deploy/nginx.conf), so nginx always closes first and never writes a POST on a connection
    # gunicorn is closing (a 502; issue 24).
    web_keepalive_s: int = 75
    # -- issue 24 §2/§3: the workers' port (shared/worker.py) ----------------------------------
    # /metrics and /healthz (liveness) of a relay, consumer or scheduler process; 0 = none (make
    # run starts many workers on one host). Compose and Kubernetes set 9400 and 0.0.0.0.
    worker_metrics_port: int = 0
    worker_metrics_host: str = "127.0.0.1"
    # A worker loop that has not turned for this long past its own poll interval is stalled:
    # /healthz answers 503 and the orchestrator restarts the process.
    worker_stall_s: int = 120
    # -- issue 24 §9: operating the stack (docs/operations.md) ----------------------------------
    # A staff or organizer token stops working this many days after it was made (0: never);
    # `sciday token create --days N` chooses another span for one token.
    token_ttl_days: int = 90
    # `sciday down` waits this long for the supervisor to stop its children in order.
    down_timeout_s: float = 120.0
    # `sciday lag` waits this long for the broker's group coordinator (a fresh broker makes
    # __consumer_offsets on the first question).
    cli_kafka_wait_s: float = 15.0
    # Logs (shared/logs.py): "json" (one object per line, with the request id) or "text"; the
    # files `sciday up` writes are rotated past log_max_bytes, keeping log_backups old ones.
    log_format: str = "json"
    log_max_bytes: int = 50 * 1024 * 1024
    log_backups: int = 5
    # X-Request-Id is taken from a trusted proxy (trusted_proxies) up to this length, else made.
    request_id_max_chars: int = 64
    # --- key rotation (issue 24, docs/operations.md "Rotation") ------------------------------
    # The internal key being replaced: receivers (check-in, notify) accept a call signed with it
    # as well as with internal_api_key while a rotation rolls out; senders sign with the current
    # one only. "" = no rotation under way. A credential: SCIDAY_INTERNAL_API_KEY_PREVIOUS_FILE.
    internal_api_key_previous: str = ""
    # --- gunicorn (issue 24): one source for `make run`, the tests, compose, Kubernetes and the
    # image, read by sciday/gunicorn_conf.py; command lines give only -c and the bind address.
    web_worker_class: str = "sciday.gunicorn_worker.BufferingThreadWorker"
    web_workers: int = 2
    web_threads: int = 8
    # a worker silent this long is replaced (the graceful timeout is sciday/grace.py's budget,
    # the keep-alive web_keepalive_s below)
    web_timeout_s: int = 30
    # -- issue 24 §5: topic retention and backups (docs/operations.md) ----------------------------
    # Events are kept as long as the personal fields they mask (retention_days, docs/privacy.md);
    # dead letters longer, so that none expires before an operator has replayed or judged it.
    topic_retention_days: int = 30
    dlq_retention_days: int = 90
    # `sciday backup` writes here (a folder per backup), copied off the host by the backup service.
    backup_dir: Path = Path("var/backups")
    backups_kept: int = 14  # older backups in backup_dir are removed by `sciday backup`
    backup_interval_s: int = 6 * 3600  # `sciday backup --repeat` (compose's backup service)
    # --- issue 25: one home per number ----------------------------------------------------------
    # The door admits from this long before the start until the end: registration signs this
    # window into each ticket and check-in judges by it (shared/tickets.checkin_window).
    checkin_opens_before_min: int = 60
    # The most people one registration may hold; an activity's max_party_size is 1 to this
    # (services/registration/party_limit.py: the schemas and the organizer's form read it).
    party_size_limit: int = 10

    def with_overrides(self, **kwargs: Any) -> Settings:
        return replace(self, **kwargs)


def env_names(f: Any) -> list[str]:
    """The environment variables a field is read from, the first set one winning."""
    names = [ENV_PREFIX + f.name.upper()]
    alias = f.metadata.get("env", "")
    if alias is None:
        return []
    if alias:
        names.insert(0, alias)
    return names


def _convert(kind: Any, raw: str) -> Any:
    if kind is bool:
        if raw.lower() not in ("0", "1", "false", "true", "no", "yes", "off", "on"):
            raise ValueError("not a boolean (use 1 or 0)")
        return raw.lower() in ("1", "true", "yes", "on")
    if kind is int:
        return int(raw)
    if kind is float:
        return float(raw)
    if kind is Path:
        return Path(raw)
    if kind is str:
        return raw
    raise TypeError(f"no conversion from the environment to {kind!r}")


FILE_SUFFIX = "_FILE"


def _raw(environ: typing.Mapping[str, str], name: str) -> str:
    """``name``'s value, or else the contents of the file ``<name>_FILE`` names (a secret mounted
    as a file; one trailing newline dropped)."""
    raw = environ.get(name, "")
    if raw == "" and environ.get(name + FILE_SUFFIX):
        path = Path(environ[name + FILE_SUFFIX])
        try:
            raw = path.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ValueError(f"{name + FILE_SUFFIX}={str(path)!r}: cannot read it ({exc.strerror})") from exc
    return raw


def _from_env(environ: typing.Mapping[str, str]) -> dict[str, Any]:
    types = typing.get_type_hints(Settings)
    found: dict[str, Any] = {}
    for f in fields(Settings):
        for name in env_names(f):
            raw = _raw(environ, name)
            if raw != "":
                try:
                    found[f.name] = _convert(types[f.name], raw)
                except ValueError as exc:
                    raise ValueError(f"{name}={raw!r}: {exc}") from exc
                break
    return found


def load(
    overrides: dict[str, Any] | None = None, environ: typing.Mapping[str, str] | None = None
) -> Settings:
    """Read settings from the environment (``SCIDAY_<FIELD>``), then apply ``overrides``."""
    values = _from_env(os.environ if environ is None else environ)
    # Defaults that follow other settings when not set themselves.
    var_dir = values.setdefault("var_dir", Settings.var_dir)
    values.setdefault("keys_dir", Path(var_dir) / "keys")
    values.setdefault("backup_dir", Path(var_dir) / "backups")
    registration = f"http://127.0.0.1:{values.get('registration_port', Settings.registration_port)}"
    values.setdefault("public_base_url", registration)
    values.setdefault("registration_url", registration)
    values.setdefault("notify_url", f"http://127.0.0.1:{values.get('notify_port', Settings.notify_port)}")
    values.setdefault("checkin_url", f"http://127.0.0.1:{values.get('checkin_port', Settings.checkin_port)}")
    settings = Settings(**values)
    if overrides:
        settings = settings.with_overrides(**overrides)
    return settings


# -- the festival's time zone --------------------------------------------------------------------
class LocalZone(tzinfo):
    """``Settings.timezone`` as a tzinfo, for rules that have no Settings at hand (``TZ`` in
    activities.py and admission.py). It follows :func:`use_timezone`, which the app factory and the
    CLI call with the loaded settings; until then it is the declared default."""

    _zone: ZoneInfo = ZoneInfo(Settings.timezone)

    @property
    def key(self) -> str:
        return str(self._zone.key)

    def _wall(self, dt: datetime | None) -> datetime | None:
        return None if dt is None else dt.replace(tzinfo=None)

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return self._zone.utcoffset(self._wall(dt))

    def dst(self, dt: datetime | None) -> timedelta | None:
        return self._zone.dst(self._wall(dt))

    def tzname(self, dt: datetime | None) -> str | None:
        return self._zone.tzname(self._wall(dt))

    def fromutc(self, dt: datetime) -> datetime:
        return self._zone.fromutc(dt.replace(tzinfo=self._zone)).replace(tzinfo=self)

    def __repr__(self) -> str:
        return f"LocalZone({self.key!r})"


LOCAL_ZONE = LocalZone()


def use_timezone(name: str) -> None:
    """Make ``name`` (an IANA zone, ``Settings.timezone``) the zone of :data:`LOCAL_ZONE`."""
    LocalZone._zone = ZoneInfo(name)
