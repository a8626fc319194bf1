"""One source for gunicorn (issue 24, drift): sciday/gunicorn_conf.py reads the web_* settings, and
`make run` hands its options to it through them rather than through flags of its own."""

from __future__ import annotations

import importlib
import sys

from sciday.grace import GUNICORN_GRACEFUL_S
from sciday.gunicorn_worker import WORKER_CLASS
from sciday.stack import Stack, StackOptions
from shared.config import Settings


def _conf(monkeypatch, **env):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    sys.modules.pop("sciday.gunicorn_conf", None)
    return importlib.import_module("sciday.gunicorn_conf")


def test_the_conf_gives_the_settings(monkeypatch):
    conf = _conf(monkeypatch)
    assert conf.worker_class == Settings.web_worker_class == WORKER_CLASS
    assert (conf.workers, conf.threads) == (Settings.web_workers, Settings.web_threads)
    assert (conf.timeout, conf.keepalive) == (Settings.web_timeout_s, Settings.web_keepalive_s)
    assert conf.graceful_timeout == GUNICORN_GRACEFUL_S
    assert _conf(monkeypatch, SCIDAY_WEB_WORKERS="4", SCIDAY_WEB_THREADS="3").workers == 4


def test_make_run_sets_no_gunicorn_flag_but_the_settings(tmp_path):
    stack = Stack(StackOptions(var_dir=tmp_path, workers=3, threads=5))
    web = [c for c in stack._plan() if "gunicorn" in c.args]
    assert len(web) == 3
    for child in web:
        assert not {"--workers", "--threads", "--worker-class", "--timeout", "-w", "-k"} & set(child.args)
        assert child.env["SCIDAY_WEB_WORKERS"] == "3" and child.env["SCIDAY_WEB_THREADS"] == "5"


def test_no_master_opens_the_shared_control_socket(monkeypatch):
    """gunicorn 27's default control socket is one path per user (~/.gunicorn/gunicorn.ctl): three
    masters (and every other stack on the machine) took it over from each other."""
    from gunicorn.config import Config

    conf, cfg = _conf(monkeypatch), Config()
    for name in cfg.settings:
        if hasattr(conf, name):
            cfg.set(name, getattr(conf, name))
    assert cfg.control_socket_disable is True
