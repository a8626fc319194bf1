"""Gunicorn settings shared by every sciday service: ``gunicorn -c python:sciday.gunicorn_conf``.

Worker class and counts are passed on the command line (``sciday up`` and compose use the same);
this file holds the hooks, and the worker class for a command line that names none: the one
that gives a thread only to a request that has arrived (sciday/gunicorn_worker.py, issue 23).
"""

import os

from sciday.grace import GUNICORN_GRACEFUL_S
from sciday.gunicorn_worker import WORKER_CLASS
from shared.config import load

worker_class = WORKER_CLASS
# Idle connections outlive nginx's upstream keepalive_timeout (SCIDAY_WEB_KEEPALIVE_S, issue 24).
keepalive = load().web_keepalive_s
# In-flight requests finish within this after SIGTERM; the orchestrator's grace is longer
# (sciday/grace.py). A command line's --graceful-timeout overrides it (`sciday up` uses 10).
graceful_timeout = GUNICORN_GRACEFUL_S


def child_exit(server, worker):
    # Prometheus multiprocess mode: drop a dead worker's live gauges.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
