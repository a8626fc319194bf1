"""The no-show record's pepper: the setting when given, else a random one kept with the other
secrets, the same for every process that shares the keys directory (issue 18's leftover: under
`make run` it was empty, so the record's phone hashes were unkeyed)."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

from shared import keyfile

pytestmark = pytest.mark.unit


def test_the_setting_wins(tmp_path):
    assert keyfile.noshow_pepper(SimpleNamespace(noshow_pepper="given", keys_dir=tmp_path)) == "given"
    assert not (tmp_path / "noshow-pepper.secret").exists()


def test_without_a_setting_every_process_gets_the_same_random_pepper(tmp_path):
    mine = keyfile.noshow_pepper(SimpleNamespace(noshow_pepper="", keys_dir=tmp_path))
    assert len(mine) == 64 and int(mine, 16)  # 32 random bytes, hex
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from types import SimpleNamespace as S; from shared import keyfile; "
            "print(keyfile.noshow_pepper(S(noshow_pepper='', keys_dir=sys.argv[1])))",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert other == mine
    elsewhere = keyfile.noshow_pepper(SimpleNamespace(noshow_pepper="", keys_dir=tmp_path / "other"))
    assert elsewhere != mine
