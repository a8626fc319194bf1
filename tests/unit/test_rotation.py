"""Issue 24 §6: every key can be rotated as docs/operations.md ("Rotation") says.

The internal key's two-key window is tests/security/test_internal_rotation.py; the seal rings'
"newest seals, every key opens" is tests/unit/test_sealed.py.  Here: the ticket keys made with the
documented commands, a door-mark key's cost, a replaced key file being what the next start reads,
and the table naming every key there is.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sciday.key_files import KEY_FILES, PROVIDER_FILES, write_key_files
from services.checkin.door.online_marks import OnlineMarks
from shared import door_id, internal, keyfile, sealed
from shared.config import load
from shared.tickets import InvalidTicket, KeyRing, new_registration_id

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "operations.md"


def _rotation() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split("## Rotation", 1)[1].split("\n## ", 1)[0]


def _sign(ring: KeyRing, rid: str) -> str:
    return ring.sign(
        registration_id=rid, activity_id="a1", venue_id="v1", party_size=1, valid_from=0, valid_until=2**31
    )


def test_the_table_names_every_key_file():
    table = _rotation()
    for name in [*KEY_FILES, *PROVIDER_FILES, "ed25519-N.key", "redis-*.password", "kafka-*.password"]:
        assert f"`{name}`" in table, name


def test_ticket_keys_rotate_with_the_documented_commands(tmp_path):
    if shutil.which("openssl") is None:
        pytest.fail("openssl is missing (Debian's openssl package)", pytrace=False)
    old = KeyRing.load_or_create(tmp_path)
    r1, r2 = new_registration_id(), new_registration_id()
    first = _sign(old, r1)
    commands = re.findall(r"^openssl .*$", _rotation(), re.M)
    assert len(commands) == 2
    for command in commands:
        subprocess.run(command.replace("deploy/keys", str(tmp_path)).split(), check=True, timeout=30)
    new = KeyRing.load(tmp_path)
    assert new.signing_kid == 2
    second = _sign(new, r2)
    door = KeyRing.load(tmp_path, public_only=True)  # checkin, restarted first
    assert door.verify(first).registration_id == r1 and door.verify(second).registration_id == r2
    with pytest.raises(InvalidTicket):  # a door not restarted yet: why checkin goes first
        KeyRing(public=dict(old.public)).verify(second)


def test_a_new_door_mark_key_refuses_the_old_marks_until_online_again():
    at = datetime(2026, 5, 1, 9, tzinfo=UTC)
    mark = OnlineMarks(b"o" * 32).issue("device", at)
    assert OnlineMarks(b"o" * 32).moment(mark, "device") == at
    assert OnlineMarks(b"n" * 32).moment(mark, "device") is None


@pytest.mark.parametrize(
    "read",
    [
        internal.key_of,
        door_id.master_key,
        lambda s: keyfile.noshow_pepper(s).encode(),
        lambda s: keyfile.from_settings(s, "door-mark", "SCIDAY_DOOR_MARK_KEY"),
        lambda s: keyfile.from_settings(s, "registration-hmac", "SCIDAY_HMAC_SECRET"),
        lambda s: sealed.sealer(s, sealed.REGISTRATION).seal("x").encode(),
    ],
)
def test_a_replaced_key_file_is_the_key_the_next_start_reads(tmp_path, read):
    secrets = tmp_path / "secrets"
    write_key_files(secrets)
    environ = {f"{var}_FILE": str(secrets / name) for name, var in KEY_FILES.items()}
    environ["SCIDAY_PUBLIC_BASE_URL"] = "https://sciday.example.org"
    before = read(load(environ=environ))
    for name in KEY_FILES:
        (secrets / name).unlink(missing_ok=True)
    assert write_key_files(secrets)  # the new files, made only because the old ones are gone
    after = read(load(environ=environ))
    assert after != before
