"""The settings of one theme: operating the stack: slow clients, the workers' port, logs, key rotation, gunicorn, topic
retention and backups (docs/operations.md).

Part of :class:`shared.config.Settings` (declared here, combined there; docs/settings.md lists
them all).
"""

from __future__ import annotations

from pathlib import Path

from shared.settings_base import SettingsBase


class OperationsConfig(SettingsBase):
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
