"""Gunicorn settings shared by every sciday service: ``gunicorn -c python:sciday.gunicorn_conf``.

The one source of the worker class, the counts, the time-outs and the keep-alive for `make run`,
the tests, docker-compose, Kubernetes and the image (issue 24): each is a setting (shared/config.py
``web_*``, so ``SCIDAY_WEB_WORKERS=4`` changes it), and a command line gives only ``-c`` and ``-b``.
The worker class gives a thread only to a request that has arrived (sciday/gunicorn_worker.py).
"""

import os

from gunicorn.glogging import Logger

from sciday.grace import GUNICORN_GRACEFUL_S
from shared.config import load

_settings = load()
worker_class = _settings.web_worker_class
workers = _settings.web_workers
threads = _settings.web_threads
timeout = _settings.web_timeout_s
# Idle connections outlive nginx's upstream keepalive_timeout (SCIDAY_WEB_KEEPALIVE_S, issue 24).
keepalive = _settings.web_keepalive_s
# In-flight requests finish within this after SIGTERM; the orchestrator's grace is longer
# (sciday/grace.py).
graceful_timeout = GUNICORN_GRACEFUL_S
# No control socket: gunicorn 27 puts one at ~/.gunicorn/gunicorn.ctl for every master, so each
# service's master (and every stack on the machine) took the path over from the one before, and a
# control command reached whichever started last.  sciday signals its masters instead.
control_socket_disable = True
# Heartbeat files in memory, not on a (possibly read-only, possibly slow) disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


class SciDayLogger(Logger):
    """gunicorn's own lines (the master's, a worker's boot and exit) in the services' one format
    (shared/logs.py, issue 24) instead of gunicorn's ``[time] [pid] [LEVEL]``."""

    def setup(self, cfg):
        super().setup(cfg)
        from shared.logs import PhoneMaskingFilter, RequestIdFilter, formatter

        service = (cfg.proc_name or "gunicorn").removeprefix("sciday-")
        fmt = formatter(service, load().log_format)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(fmt)
                handler.addFilter(RequestIdFilter())
                handler.addFilter(PhoneMaskingFilter())


logger_class = SciDayLogger


def child_exit(server, worker):
    # Prometheus multiprocess mode: drop a dead worker's live gauges.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
