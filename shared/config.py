"""Configuration from the environment, with development defaults.

Every setting is declared once, as a field of :class:`Settings` (pydantic-settings): its type and
default on one line, its documentation in the docstring under it.  Its environment variable is
``SCIDAY_<NAME>`` (``redis_url`` and ``kafka_bootstrap_servers`` also their well-known names
``REDIS_URL`` / ``KAFKA_BOOTSTRAP_SERVERS``), or the file ``<VARIABLE>_FILE`` names (a secret
mounted as a file).  :func:`load` reads them and checks each against its type, naming the variable
of a bad value; an unset or empty variable keeps the default.  Add a setting by appending a field
and its docstring; docs/settings.md is generated from the declarations (``python -m
shared.settings_doc``).  Nothing here connects to anything.  The machinery: shared/settings_base.py.
"""

from __future__ import annotations

import os
import typing
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator, model_validator

from shared.settings_base import ENV_PREFIX, FILE_SUFFIX, SettingsBase, env_names_of, load_into

__all__ = ["ENV_PREFIX", "FILE_SUFFIX", "LOCAL_ZONE", "Settings", "all_env_names", "env_names", "load"]


class Settings(SettingsBase):
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
    # --- notify (services/notify): channels, rate limits, retries, reminders -----------------
    sms_provider: str = "http"
    """The adapter SMS goes through (services/notify/channels/sms.py): "http" sends to sms_gateway_url."""
    sms_gateway_url: str = "http://127.0.0.1:8004/api/v1/sms"
    """The SMS gateway's URL (the http adapter)."""
    sms_api_key: str = ""
    """HMAC key for the SMS gateway; a credential, never in a committed file."""
    sms_sign_name: str = "科技节"
    """The SMS signature (签名): the sender the rate limit applies to."""
    sms_template_ids: str = ""
    """Provider template ids, "confirmed.zh-CN=SMS_123,confirmed.en=SMS_124"; default "<name>.<locale>"."""
    sms_gateway_idempotent: int = 1
    """1 when the gateway drops a repeated client_ref (so a resend after a crash is safe)."""
    smtp_host: str = "127.0.0.1"
    """The SMTP server's host."""
    smtp_port: int = 1025
    """The SMTP server's port."""
    smtp_user: str = ""
    """The SMTP login ("" = none)."""
    smtp_password: str = ""
    """The SMTP password; a credential, never in a committed file."""
    smtp_starttls: int = 0
    """1: STARTTLS after connecting to the SMTP server."""
    mail_from: str = "科技节 <noreply@sciday.local>"
    """The From of the e-mails notify sends."""
    notify_sms_per_s: float = 10.0
    """SMS per second per sender (0 = no limit); a queue forms in Redis."""
    notify_email_per_s: float = 10.0
    """E-mails per second per sender (0 = no limit); a queue forms in Redis."""
    notify_max_attempts: int = 10
    """Provider failures: attempts in all before a message is given up."""
    notify_backoff_ms: int = 1000
    """Provider failures: exponential backoff from this many ms..."""
    notify_backoff_max_ms: int = 300_000
    """...up to this many ms."""
    notify_lease_s: int = 60
    """A claimed message whose sender vanished is taken over after this many seconds."""
    notify_provider_timeout_s: float = 10.0
    """How long a send waits for a provider's answer, in seconds."""
    notify_retention_days: int = 30
    """Days notify keeps a delivery's record."""
    reminder_offsets_min: str = "1440,120"
    """Reminders before the start, in minutes, comma-separated (24 h and 2 h)."""
    reminder_poll_ms: int = 1000
    """How often the reminder scheduler looks for reminders that are due, in ms."""
    # --- fair access (docs/fair-access.md; numbers from shared docs/china-booking-norms.md) -------
    require_verified_phone: int = 1
    """Registering needs a phone verified by SMS code (1); 0 lets a venue take bookings without."""
    verify_code_ttl_s: int = 300
    """How long an SMS code is valid, in seconds."""
    verify_max_attempts: int = 5
    """Tries per SMS code."""
    verify_resend_cooldown_s: int = 60
    """Seconds before another code may be sent to the same phone."""
    verify_daily_per_phone: int = 10
    """SMS codes per phone in any 24 h."""
    verify_daily_per_ip: int = 50
    """SMS codes per client address in any 24 h."""
    verify_session_days: int = 7
    """A verified phone's session (cookie and bearer), in days."""
    verify_hourly_per_prefix_v4: int = 60
    """Issue 23, SMS spend across addresses: codes per hour per IPv4 /verify_prefix_v4 network, which holds
    many subscribers (a carrier's or a campus's neighbours) (0 = off)."""
    verify_hourly_per_prefix_v6: int = 10
    """Codes per hour per IPv6 /verify_prefix_v6 network, one subscriber (a household picks any of its 2^64
    addresses) (0 = off)."""
    verify_hourly_global: int = 5000
    """Codes per hour in all, which bounds the festival's SMS bill whoever asks (0 = off)."""
    verify_prefix_v4: int = 24
    """The IPv4 prefix length counted as one network."""
    verify_prefix_v6: int = 64
    """The IPv6 prefix length counted as one subscriber."""
    verify_venue_networks: str = ""
    """The venue's own networks (CIDRs, comma-separated: its visitor Wi-Fi, a campus NAT): not capped per
    address or prefix, as one person would be; they still count toward verify_hourly_global."""
    child_max_age_without_id: int = 14
    """Children younger than this on the activity's day may come without an ID, with a guardian."""
    id_per_day: int = 2
    """Registrations per ID (person) per festival day, across activities (0 = off)."""
    id_per_festival: int = 5
    """Registrations per ID (person) per festival, across activities (0 = off)."""
    rate_limit_id_per_min: int = 6
    """Registration attempts per ID per minute (0 = off), beside the per-IP and per-phone limits."""
    internal_api_key: str = ""
    """The key registration signs its calls to notify with (verification codes); "" = a file
    var/keys/internal.secret that both read (make run); set it in production."""
    hmac_secret: str = ""
    """The key of every keyed hash registration keeps (ID numbers, phone and address refs, codes): every
    replica must share it, or an ID is not "once per activity". "" = a file
    var/keys/registration-hmac.secret (make run); a credential, set it in production."""
    # --- consent through the API (i18k; services/registration/privacy/consent.py, docs/privacy.md) --
    api_consent_required: bool = False
    """On: a registration or lottery entry through the JSON API without ``"consent": true`` is refused
    (validation_failed), as the form refuses an unticked box.  Off: the API records a consent it is given
    and asks for none (API clients from before it keep working)."""
    # --- the organizers' spreadsheet import (services/registration/catalogue/importer.py) ---------------
    import_max_upload_bytes: int = 2 * 1024 * 1024
    """Bounds on what one upload may make the server read: the file, the rows and cells of the sheet, an
    XLSX's shared strings, and the bytes its zip parts inflate to, all parts together."""
    import_max_rows: int = 2000
    """Rows of one uploaded sheet, at most."""
    import_max_columns: int = 64
    """Columns of one uploaded sheet, at most."""
    import_max_cells: int = 100_000
    """Cells of one uploaded sheet, at most."""
    import_max_shared_strings: int = 50_000
    """Shared strings of one uploaded XLSX, at most."""
    import_max_inflated_bytes: int = 16 * 1024 * 1024
    """Bytes an uploaded XLSX's zip parts inflate to, all parts together, at most."""
    import_max_part_bytes: int = 8 * 1024 * 1024
    """Issue 23: bytes one zip part inflates to, at most (a 15.9 MB comment within the total still cost a
    worker 11 s of parsing)."""
    import_max_token_bytes: int = 256 * 1024
    """Bytes one token of a part (a text, a tag, a comment, a CDATA section) inflates to, at most."""
    import_day_opens: str = "09:00"
    """A multi-day range given by dates alone ("2026.12.15-12.20") opens daily at this hour; the preview
    marks it as assumed until the organizer confirms."""
    import_day_closes: str = "17:00"
    """...and closes daily at this hour."""
    # --- allocation beyond first come, first served (issue 15) ------------------------------
    lottery_confirm_hours: int = 0
    """Lottery (services/registration/lottery/draw.py): winners confirm within this many hours (0 = no
    confirmation)."""
    lottery_draw_lease_s: int = 60
    """The lottery draw's lease, in seconds."""
    lottery_publish_chunk: int = 1000
    """Lottery outcome events per Lua call."""
    lottery_poll_s: int = 5
    """How often the lottery scheduler looks for draws that are due, in seconds."""
    noshow_grace_min: int = 60
    """No-show record (services/registration/noshow/record.py), festival-wide; defaults after 上海博物馆 (3 no-shows lock
    60 days) within a 国家自然博物馆-like window (docs/china-booking-norms.md). Marks are made this long after
    the activity ends, in minutes."""
    noshow_late_cancel_hours: int = 24
    """Cancelling later than this before the start counts."""
    noshow_marks_to_lock: int = 3
    """No-show marks within noshow_window_days that lock a holder."""
    noshow_window_days: int = 90
    """Days over which no-show marks are counted."""
    noshow_lock_days: int = 60
    """Days a no-show lock lasts."""
    noshow_pepper: str = ""
    """Key of the holder hashes (HMAC of the phone / ID number): a credential, never committed."""
    standby_opens_before_min: int = 60
    """On-site standby (services/checkin/standby/usecases.py): walk-ins may join from this long before the start, in
    minutes."""
    standby_release_grace_min: int = 10
    """Unscanned confirmed seats are released to standby at start + this, in minutes."""
    standby_max_party_size: int = 4
    """The largest party that may join standby."""
    # --- the door (issue 16; services/checkin/door/usecases.py, docs/door.md) ----------------------
    door_clock_skew_s: int = 30
    """An offline scan's own time is taken only between the device's last online moment (a mark the server
    signs) and now plus this clock skew, in seconds."""
    door_offline_max_s: int = 8 * 3600
    """A mark older than this, in seconds, is refused, so an old mark cannot date a scan back to another day."""
    door_mark_key: str = ""
    """Key of those marks; "" = a file var/keys/door-mark.secret (make run). Every check-in replica must
    share it."""
    door_revocation_timeout_ms: int = 500
    """Registration tells the door of a cancellation at once (a signed call to check-in), beside the event;
    this long at most, so a cancellation never waits on a door that is down."""
    door_id_key: str = ""
    """Issue 23: the master key of the door hashes that match each real-name member's ID card
    (shared/door_id.py), shared by registration and check-in; "" = a file var/keys/door-id.secret (make
    run). A credential, set it in production."""
    door_id_required: bool = True
    """On: each member of a real-name party must show their card; a scan without a card admits only members
    booked without one."""
    # --- credentials and least privilege (issue 16; docs/privacy.md) -------------------------
    redis_username: str = ""
    """This service's Redis ACL user (sciday/credentials.py); "" = Redis's default user (development)."""
    redis_password: str = ""
    """Its password; a credential, never in a committed file (give SCIDAY_REDIS_PASSWORD_FILE)."""
    kafka_security_protocol: str = "PLAINTEXT"
    """PLAINTEXT, or SASL_PLAINTEXT / SASL_SSL with SCRAM users."""
    kafka_sasl_mechanism: str = "SCRAM-SHA-512"
    """The SASL mechanism of the Kafka SCRAM users."""
    kafka_username: str = ""
    """This service's Kafka SCRAM user (sciday/credentials.py); "" = no SASL (development)."""
    kafka_password: str = ""
    """Its password; a credential, never in a committed file (give SCIDAY_KAFKA_PASSWORD_FILE)."""

    # --- personal data (issue 16, shared/sealed.py, docs/privacy.md) ------------------------
    seal_keys_registration: str = ""
    """Registration's AES-GCM key ring "<kid>:<base64url 32 bytes>,...", the highest kid sealing; "" = the
    files <keys_dir>/seal-<purpose>-<kid>.key, made on first use (make run). A credential: set it in
    production."""
    seal_keys_notify: str = ""
    """Notify's AES-GCM key ring, as seal_keys_registration."""
    retention_days: int = 30
    """Personal fields of a registration are erased this many days after its activity ended
    (services/registration/privacy/retention.py; statistics stay)."""
    retention_poll_s: int = 3600
    """How often the retention sweep looks, in seconds."""
    noshow_sweep_poll_s: int = 30
    """How often the no-show worker sweeps activities ended + grace, in seconds."""
    noshow_sweep_lease_s: int = 300
    """One worker sweeps an activity at a time, holding it this long at most, in seconds."""
    standby_release_poll_s: int = 15
    """How often the standby scheduler releases unscanned seats at start + grace, in seconds."""
    standby_auto_call: int = 1
    """1: the standby scheduler calls waiting numbers as released seats free up."""
    internal_signature_skew_s: int = 60
    """Issue 23: a signed internal call (shared/internal.py) is accepted this far from the receiver's clock,
    and its nonce is remembered for twice this, so a replay is refused."""
    # --- real-name verification (issue 23; services/registration/access/realname.py, fair-access.md) --
    realname_url: str = "http://127.0.0.1:8006/api/v1/verify"
    """The authority a real-name activity's members are checked against (二要素: name and ID number), a provider
    over HTTP (realname_http.py; `make run` and the tests point it at the local stand-in,
    standins/realname.py). "" = no provider: nobody is confirmed."""
    realname_api_key: str = ""
    """The real-name provider's key (a Bearer token); a credential, never committed."""
    realname_timeout_ms: int = 3000
    """How long the real-name provider may take; then realname_unavailable (503), never a pass."""
    realname_unverified_may_book: bool = False
    """Off (the default): a member the authority does not confirm, or cannot check now, may not book a
    real-name activity.  On: they book, recorded ``verified: false``."""
    realname_cache_s: int = 86400
    """A positive answer is remembered this long per (name, ID hash) in Redis (0 = ask every time)."""
    # -- issue 23 §3: slow clients (sciday/gunicorn_worker.py) -----------------------------------
    web_header_timeout_s: float = 10.0
    """A connection gets a worker thread only once its request has arrived; until then it waits in the
    worker's poller. Its request line and headers must arrive within this many seconds of the connection
    (or of the first byte of a kept-alive connection's next request)."""
    web_body_timeout_s: float = 10.0
    """A request body may pause at most this long between two reads, in seconds (nginx's
    client_body_timeout)."""
    web_buffer_body_bytes: int = 2 * 1024 * 1024 + 64 * 1024
    """Bodies of known length up to this many bytes are read before a thread is given (the largest upload,
    the spreadsheet import, plus its form's overhead); a larger one is handed over as soon as its headers
    are in, for the app to refuse."""
    web_keepalive_s: int = 75
    """gunicorn keeps an idle connection this many seconds (`keepalive`, sciday/gunicorn_conf.py): longer
    than nginx keeps its idle upstream connections (`keepalive_timeout 20s` in deploy/nginx.conf), so
    nginx always closes first and never writes a POST on a connection gunicorn is closing (a 502; issue
    24)."""
    # -- issue 24 §2/§3: the workers' port (shared/worker.py) ----------------------------------
    worker_metrics_port: int = 0
    """The port of /metrics and /healthz (liveness) of a relay, consumer or scheduler process; 0 = none (make
    run starts many workers on one host). Compose and Kubernetes set 9400."""
    worker_metrics_host: str = "127.0.0.1"
    """The address that port listens on; compose and Kubernetes set 0.0.0.0."""
    worker_stall_s: int = 120
    """A worker loop that has not turned for this long past its own poll interval is stalled: /healthz
    answers 503 and the orchestrator restarts the process."""
    # -- issue 24 §9: operating the stack (docs/operations.md) ----------------------------------
    token_ttl_days: int = 90
    """A staff or organizer token stops working this many days after it was made (0: never); `sciday token
    create --days N` chooses another span for one token."""
    down_timeout_s: float = 120.0
    """`sciday down` waits this long for the supervisor to stop its children in order."""
    cli_kafka_wait_s: float = 15.0
    """`sciday lag` waits this long for the broker's group coordinator (a fresh broker makes
    __consumer_offsets on the first question)."""
    log_format: str = "json"
    """Logs (shared/logs.py): "json" (one object per line, with the request id) or "text"."""
    log_max_bytes: int = 50 * 1024 * 1024
    """The log files `sciday up` writes are rotated past this many bytes."""
    log_backups: int = 5
    """Rotated log files kept."""
    request_id_max_chars: int = 64
    """X-Request-Id is taken from a trusted proxy (trusted_proxies) up to this length, else made."""
    # --- key rotation (issue 24, docs/operations.md "Rotation") ------------------------------
    internal_api_key_previous: str = ""
    """The internal key being replaced: receivers (check-in, notify) accept a call signed with it as well as
    with internal_api_key while a rotation rolls out; senders sign with the current one only. "" = no
    rotation under way. A credential: SCIDAY_INTERNAL_API_KEY_PREVIOUS_FILE."""
    # --- gunicorn (issue 24; sciday/gunicorn_conf.py) -----------------------------------------
    web_worker_class: str = "sciday.gunicorn_worker.BufferingThreadWorker"
    """gunicorn's worker class. The gunicorn settings are one source for `make run`, the tests, compose,
    Kubernetes and the image, read by sciday/gunicorn_conf.py; command lines give only -c and the bind
    address."""
    web_workers: int = 2
    """gunicorn worker processes per service."""
    web_threads: int = 8
    """Threads per gunicorn worker."""
    web_timeout_s: int = 30
    """A gunicorn worker silent this long is replaced, in seconds (the graceful timeout is sciday/grace.py's
    budget, the keep-alive web_keepalive_s)."""
    # -- issue 24 §5: topic retention and backups (docs/operations.md) ----------------------------
    topic_retention_days: int = 30
    """Days events are kept: as long as the personal fields they mask (retention_days, docs/privacy.md)."""
    dlq_retention_days: int = 90
    """Days dead letters are kept: longer, so that none expires before an operator has replayed or judged it."""
    backup_dir: Path = Path("var/backups")
    """`sciday backup` writes here (a folder per backup), copied off the host by the backup service. Unset:
    <var_dir>/backups."""
    backups_kept: int = 14
    """Backups kept in backup_dir; older ones are removed by `sciday backup`."""
    backup_interval_s: int = 6 * 3600
    """Seconds between the backups of `sciday backup --repeat` (compose's backup service)."""
    # -- issue 25: the periodic workers' loop (shared/periodic.py) ---------------------------------
    worker_backoff_max_s: float = 60.0
    """A scheduler whose passes fail in a row (Redis away, a bug) waits its poll interval doubled per
    failure, up to this many seconds (never less than its poll interval), then polls as usual again
    after a pass that works."""

    # -- issue 25: one home per number (the drifts) -----------------------------------------------
    checkin_opens_before_min: int = 60
    """Minutes before the start from which the door admits, until the end: registration signs this window
    into each ticket and check-in judges by it (shared/tickets.checkin_window)."""
    party_size_limit: int = 10
    """The most people one registration may hold; an activity's max_party_size is 1 to this (the
    schemas, the OpenAPI document and the organizer's form read it: services/registration/seats/party_limit.py)."""

    # -- Append new settings above this line: `name: type = default` and a docstring under it. --

    @field_validator("timezone")
    @classmethod
    def _a_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone (e.g. Asia/Shanghai)") from None
        return name

    @model_validator(mode="after")
    def _follow(self) -> Self:
        """Defaults that follow other settings when not set themselves."""
        given = self.model_fields_set
        registration = f"http://127.0.0.1:{self.registration_port}"
        follows = {
            "keys_dir": self.var_dir / "keys",
            "backup_dir": self.var_dir / "backups",
            "public_base_url": registration,
            "registration_url": registration,
            "notify_url": f"http://127.0.0.1:{self.notify_port}",
            "checkin_url": f"http://127.0.0.1:{self.checkin_port}",
        }
        for name, value in follows.items():
            if name not in given:
                self.__dict__[name] = value
        return self


def env_names(name: str) -> list[str]:
    """The environment variables setting ``name`` is read from, the first set one winning."""
    return env_names_of(name, Settings.model_fields[name])


def all_env_names() -> list[str]:
    """Every variable a setting is read from (each may also be given as ``<VARIABLE>_FILE``)."""
    return [variable for name in Settings.model_fields for variable in env_names(name)]


def load(
    overrides: dict[str, Any] | None = None, environ: typing.Mapping[str, str] | None = None
) -> Settings:
    """Read settings from the environment (``SCIDAY_<FIELD>``), then apply ``overrides``."""
    settings = load_into(Settings, os.environ if environ is None else environ)
    assert isinstance(settings, Settings)
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
