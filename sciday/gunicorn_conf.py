"""Gunicorn settings shared by every sciday service: ``gunicorn -c python:sciday.gunicorn_conf``.

Worker class and counts are passed on the command line (``sciday up`` and compose use the same);
this file holds the hooks, and the worker class for a command line that names none: the one
that gives a thread only to a request that has arrived (sciday/gunicorn_worker.py, issue 23).
"""

import os

from gunicorn.glogging import Logger

from sciday.grace import GUNICORN_GRACEFUL_S
from sciday.gunicorn_worker import WORKER_CLASS
from shared.config import load

worker_class = WORKER_CLASS
# Idle connections outlive nginx's upstream keepalive_timeout (SCIDAY_WEB_KEEPALIVE_S, issue 24).
keepalive = load().web_keepalive_s
# In-flight requests finish within this after SIGTERM; the orchestrator's grace is longer
# (sciday/grace.py). A command line's --graceful-timeout overrides it (`sciday up` uses 10).
graceful_timeout = GUNICORN_GRACEFUL_S


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
