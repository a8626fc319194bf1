"""The runbook is tested (issue 24 §5): every command in a `runbook` block of docs/operations.md
runs, in order, in one shell, from the folder that holds `var/`, against a stack started as
`make run` starts it (Redis ACLs, Kafka SASL), and succeeds; every `runbook-start` line is a
`sciday up` the CLI accepts (the restore drill starts a stack the same way); and no shell block is
left untested."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import requests

from sciday.cli import parser
from sciday.up import cmd_up
from shared.auth import create_token
from shared.redis_scripts import connect_as
from tests.conftest import ROOT, activity_doc
from tests.faults.test_restore_drill import _like_make_run, _start, _stop

RUNBOOK = ROOT / "docs" / "operations.md"
BLOCK = re.compile(r"^```(\S*)[ \t]*([^\n]*)\n(.*?)^```", re.S | re.M)


SECTION = "## Backups and recovery"


def section() -> str:
    """The backups and recovery section (the other sections have tests of their own)."""
    text = RUNBOOK.read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end if end != -1 else len(text)]


def blocks(tag: str) -> list[str]:
    return [body for lang, info, body in BLOCK.findall(section()) if lang == "sh" and info == tag]


def test_every_shell_block_of_the_runbook_is_tested():
    shell = [(lang, info) for lang, info, _ in BLOCK.findall(section()) if lang in ("sh", "bash", "console")]
    assert shell and all(info in ("runbook", "runbook-start") for _, info in shell), shell
    assert blocks("runbook") and blocks("runbook-start")


def test_the_start_lines_are_sciday_up_commands_the_cli_takes(tmp_path):
    for body in blocks("runbook-start"):
        for line in filter(None, (x.strip() for x in body.splitlines())):
            argv = shlex.split(line.replace('"$BACKUP"', str(tmp_path / "sciday-x")))
            assert argv[:2] == ["sciday", "up"], line
            assert parser().parse_args(argv[1:]).func is cmd_up


def test_the_runbook_commands_run_against_a_stack_like_make_runs(tmp_path, drill_broker):
    stack, sup = _like_make_run(tmp_path, drill_broker), None
    try:
        sup = _start(stack)
        settings = stack.settings()
        stack.check_continuity(settings)  # as `sciday up` does once healthy: the keys recorded
        org = create_token(connect_as(settings), settings.redis_prefix, "organizer", "runbook")
        reg = f"http://127.0.0.1:{stack.opts.registration_port}"
        r = requests.post(
            f"{reg}/api/v1/activities",
            headers={"Authorization": f"Bearer {org}"},
            json=activity_doc("runbook", capacity=10),
            timeout=10,
        )
        assert r.status_code == 201, r.text
        script = "set -euxo pipefail\n" + "\n".join(blocks("runbook"))
        env = {**stack.env(), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        done = subprocess.run(
            ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
        )
        print(done.stdout[-4000:], done.stderr[-4000:])
        assert done.returncode == 0, done.stderr[-3000:]
        assert "restored the backup of" in done.stdout and "rebuilt checkin from" in done.stdout
        assert "no consumer offsets" not in done.stderr  # read with the operator's Kafka login
        assert "retired: ticket:1" in done.stdout and "state whole" in done.stdout
    finally:
        _stop(stack, sup)
