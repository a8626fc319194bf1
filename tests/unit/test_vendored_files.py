"""Every vendored browser file matches the SHA-256 recorded in its VENDOR.md, and none is unlisted."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*`([0-9a-f]{64})`\s*\|\s*$")


def _recorded() -> dict[Path, str]:
    """{vendored file: sha256} from the ``## SHA-256`` table of every VENDOR.md."""
    sums: dict[Path, str] = {}
    for doc in sorted(ROOT.glob("services/*/static/vendor/**/VENDOR.md")):
        section = doc.read_text(encoding="utf-8").split("## SHA-256", 1)
        assert len(section) == 2, f"{doc.relative_to(ROOT)} has no '## SHA-256' table"
        rows = [ROW.match(line) for line in section[1].splitlines()]
        listed = [(doc.parent / m[1], m[2]) for m in rows if m]
        assert listed, f"{doc.relative_to(ROOT)}: its SHA-256 table lists no file"
        for path, digest in listed:
            assert path not in sums, f"{path.relative_to(ROOT)} is listed twice"
            sums[path] = digest
    return sums


RECORDED = _recorded()


def test_there_are_vendored_files_to_check():
    assert len(RECORDED) >= 4


@pytest.mark.parametrize("path", sorted(RECORDED), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_vendored_file_matches_its_recorded_sha256(path):
    assert path.is_file(), f"{path.relative_to(ROOT)} is listed but missing"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == RECORDED[path]


def test_every_vendored_file_is_listed():
    present = {p for p in ROOT.glob("services/*/static/vendor/**/*") if p.is_file() and p.name != "VENDOR.md"}
    unlisted = sorted(p.relative_to(ROOT).as_posix() for p in present - set(RECORDED))
    assert not unlisted, f"vendored without a recorded SHA-256: {unlisted}"
