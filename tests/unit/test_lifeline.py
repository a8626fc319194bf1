"""sciday/lifeline.py: a second `sciday up` from the same var folder is refused and leaves the
first one's pidfile alone."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sciday import lifeline
from sciday.stack import Stack, StackOptions


def test_a_second_stack_is_refused_and_keeps_the_first_ones_pidfile(tmp_path):
    first = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / lifeline.PIDFILE).write_text(f"{first.pid}\n")
        stack = Stack(StackOptions(var_dir=tmp_path), out=sys.stderr)
        with pytest.raises(RuntimeError, match=f"already running .* \\(pid {first.pid}\\)"):
            stack.start()
        stack.stop()  # as `sciday up` does after a failed start
        assert lifeline.read_pid(tmp_path) == first.pid
    finally:
        first.kill()
        first.wait()
    assert lifeline.read_pid(tmp_path) is None  # a stale pidfile names no running supervisor
