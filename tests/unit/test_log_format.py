"""Issue 24 §9: one log format for every process, gunicorn's own lines included; the Kafka
client's clear-text SASL warning (nine consumer lines in ten) silenced; log files rotated by size."""

from __future__ import annotations

import io
import json
import logging
import os

from sciday import logfiles
from shared import logs


def test_gunicorns_own_lines_are_in_the_services_format():
    from gunicorn.config import Config

    from sciday.gunicorn_conf import SciDayLogger

    cfg = Config()
    cfg.set("proc_name", "sciday-registration")
    glog = SciDayLogger(cfg)
    out = io.StringIO()
    [handler] = glog.error_log.handlers
    handler.stream = out
    glog.info("Booting worker with pid: %s", 4242)
    doc = json.loads(out.getvalue())
    assert (doc["service"], doc["level"], doc["request_id"]) == ("registration", "INFO", "-")
    assert doc["message"] == "Booting worker with pid: 4242"


def test_the_kafka_clients_clear_text_sasl_warning_is_not_written():
    logs.setup("test-consumer", form="json")
    try:
        assert not logging.getLogger("kafka.net.sasl.scram").isEnabledFor(logging.WARNING)
        assert logging.getLogger("kafka.net.connection").isEnabledFor(logging.WARNING)
    finally:
        for h in list(logging.getLogger().handlers):
            if getattr(h, "_sciday", False):
                logging.getLogger().removeHandler(h)


def test_a_log_file_past_its_size_is_rotated_and_its_writer_goes_on(tmp_path):
    path = tmp_path / "relay.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)  # as a child's stdout
    try:
        os.write(fd, b"x" * 100)
        assert logfiles.rotate_all(tmp_path, max_bytes=50, backups=2) == [path]
        os.write(fd, b"after\n")
        assert path.read_bytes() == b"after\n"  # from the start: no hole where the old lines were
        assert (tmp_path / "relay.log.1").read_bytes() == b"x" * 100
        os.write(fd, b"y" * 100)
        logfiles.rotate(path, 50, 2)
        logfiles.rotate(path, 50, 2)  # small now: nothing to do
        assert (tmp_path / "relay.log.2").read_bytes() == b"x" * 100
        assert not (tmp_path / "relay.log.3").exists()
    finally:
        os.close(fd)
