"""Credentials and least privilege (sciday/credentials.py, docs/privacy.md): secrets come from the
environment or files, the Redis ACL file holds no password, the Kafka grants follow the topic
registry, and no secret is committed to the repository."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest

from sciday import credentials
from shared.config import load
from shared.topics import TOPICS

ROOT = Path(__file__).resolve().parents[2]


def test_a_setting_can_come_from_a_file(tmp_path):
    (tmp_path / "pw").write_text("s3cret-from-a-file\n")
    s = load(environ={"SCIDAY_REDIS_PASSWORD_FILE": str(tmp_path / "pw"), "SCIDAY_REDIS_USERNAME": "notify"})
    assert (s.redis_username, s.redis_password) == ("notify", "s3cret-from-a-file")
    # The variable itself wins over the file.
    s = load(environ={"SCIDAY_REDIS_PASSWORD": "direct", "SCIDAY_REDIS_PASSWORD_FILE": str(tmp_path / "pw")})
    assert s.redis_password == "direct"


def test_a_missing_secret_file_is_named_without_its_contents(tmp_path):
    with pytest.raises(ValueError, match="SCIDAY_KAFKA_PASSWORD_FILE"):
        load(environ={"SCIDAY_KAFKA_PASSWORD_FILE": str(tmp_path / "absent")})


def test_passwords_are_made_once_private_and_distinct(tmp_path):
    first = credentials.ensure_passwords(tmp_path / "s", "redis")
    assert credentials.ensure_passwords(tmp_path / "s", "redis") == first
    assert len(set(first.values())) == len(first) == len(credentials.USERS) + 2  # + the replica, monitoring
    assert all(len(p) >= 40 for p in first.values())
    for user in credentials.USERS:
        assert credentials.password_file(tmp_path / "s", "redis", user).stat().st_mode & 0o077 == 0


def test_the_redis_acl_file_holds_hashes_not_passwords_and_no_default_user():
    passwords = {u: f"pw-{u}-0123456789" for u in credentials.USERS}
    text = credentials.redis_acl(passwords, "sciday:")
    lines = {line.split()[1]: line for line in text.splitlines()}
    assert lines["default"].startswith("user default off")
    for user, pw in passwords.items():
        assert pw not in text
        assert f"#{hashlib.sha256(pw.encode()).hexdigest()}" in lines[user]
    assert "~sciday:ck:*" in lines["checkin"] and "~sciday:ck:*" not in lines["registration"]
    assert "~sciday:act:*" in lines["registration"] and "~sciday:act:*" not in lines["notify"]
    for service in credentials.SERVICES:
        assert "-@dangerous" in lines[service] and "~*" not in lines[service].split()


def test_kafka_grants_follow_the_topic_registry():
    grants = {g.user: g for g in credentials.kafka_grants()}
    assert set(grants["registration"].write) >= {"registration-events", "activity-events"}
    # the no-show worker (issue 15 §2) reads who came and who cancelled, in its own group only
    assert set(grants["registration"].read) == {"checkin-events", "registration-events"}
    assert grants["registration"].groups == ("registration-noshow",)
    assert "checkin-events-dlq" in grants["registration"].write
    # the door's projection also reads the draw's counts for the dashboard (issue 15)
    assert set(grants["checkin"].read) == {"activity-events", "registration-events", "lottery-events"}
    assert "checkin-events" in grants["checkin"].write
    assert "registration-events-dlq" in grants["checkin"].write
    assert grants["checkin"].groups == ("checkin-projection",)
    assert grants["notify"].groups == ("notify",)
    assert "notification-events" in grants["notify"].write
    assert {"lottery-events", "standby-events"} <= set(grants["notify"].read)
    for user in ("checkin", "notify"):
        assert "registration-events" not in grants[user].write


# -- no secret in the repository -----------------------------------------------------------------
SKIP_DIRS = {".git", ".venv", "var", "node_modules", "__pycache__", ".ruff_cache", ".hypothesis"}
SKIP_DIRS |= {"sciday.egg-info", ".pytest_cache", "build"}
IGNORED = (("deploy", "secrets"), ("deploy", "keys"))  # .gitignore: made on the host


def tree_files():
    """What is (or would be) committed: ``git ls-files`` in a checkout, else the tree less the
    ignored folders."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        rels = [Path(p) for p in out.stdout.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        rels = [p.relative_to(ROOT) for p in ROOT.rglob("*")]
        rels = [r for r in rels if not (set(r.parts) & SKIP_DIRS) and r.parts[:2] not in IGNORED]
    for rel in rels:
        if (ROOT / rel).is_file():
            yield rel, ROOT / rel


def test_no_credential_file_is_in_the_tree():
    names = [str(rel) for rel, _ in tree_files() if re.search(r"\.(password|key|pem|acl)$", rel.name)]
    assert names == []


def test_no_password_acl_or_sasl_secret_is_written_in_a_file():
    patterns = [
        re.compile(r"^\s*user \S+ on .*>\S+", re.M),  # a Redis ACL line with a clear password
        re.compile(r"^\s*requirepass\s+\S+", re.M),
        re.compile(r'password="[^"${}]{8,}"'),  # a JAAS line with a literal password
        re.compile(r"^\s*SCIDAY_\w*(PASSWORD|SECRET|API_KEY)\s*=\s*(?!\.\.\.|\$|<)\S+", re.M),  # env file
        re.compile(r"redis://[^:/\s]+:[^@\s${}]{8,}@"),  # a URL carrying a password
    ]
    found = []
    for rel, path in tree_files():
        if path.suffix not in {
            ".py",
            ".yml",
            ".yaml",
            ".env",
            ".conf",
            ".md",
            ".properties",
            ".txt",
            ".toml",
            "",
        }:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{rel}: {m.group(0)[:60]}" for p in patterns for m in p.finditer(text)]
    # This file states the patterns only.
    assert [f for f in found if not f.startswith("tests/unit/test_credentials.py")] == []


def test_compose_passes_credentials_from_the_environment_or_secrets():
    compose = (ROOT / "docker-compose.yml").read_text()
    for line in compose.splitlines():
        m = re.match(r"\s*(SCIDAY_\w*(PASSWORD|SECRET|API_KEY)\w*|KAFKA_\w*PASSWORD\w*):\s*(\S.*)$", line)
        if m:
            assert m.group(3).startswith(("${", "/run/secrets/")), line


# -- the ACL follows the code ------------------------------------------------------------------------
# A key written as f"{prefix}<literal>..." in a service's code (the stores name their keys so).
KEY = re.compile(r'f"\{(?:self\.p|self\.prefix|prefix|settings\.redis_prefix)\}([a-z][a-z0-9:_-]*)(["{])')


def key_families():
    for path in sorted([*(ROOT / "services").rglob("*.py"), *(ROOT / "shared").rglob("*.py")]):
        rel = path.relative_to(ROOT)
        for m in KEY.finditer(path.read_text(encoding="utf-8")):
            exact = m.group(2) == '"'
            yield rel, m.group(1), exact


def test_every_redis_key_family_in_the_code_is_granted_to_its_service():
    """A new key family (a new store, a new feature) must be added to sciday/credentials.py's
    REDIS_KEYS, or its service would be refused (NOPERM) under `make run` and in production."""
    from fnmatch import fnmatchcase

    missing = []
    found = list(key_families())
    assert len(found) > 30  # the scan sees the stores' keys
    for rel, literal, exact in found:
        key = "p:" + literal + ("" if exact else "x")
        if rel.parts[0] == "services":
            patterns = credentials.redis_patterns(rel.parts[1], "p:")
            ok = any(fnmatchcase(key, pat) for pat in patterns)
        else:  # shared/: keys of whichever service uses the module, or shared by all
            every = {pat for s in credentials.SERVICES for pat in credentials.redis_patterns(s, "p:")}
            ok = any(fnmatchcase(key, pat) or pat.startswith(key.rstrip("x")) for pat in every)
        if not ok:
            missing.append(f"{rel}: {literal}")
    assert missing == [], missing


def test_every_consumer_group_of_the_registry_belongs_to_a_service():
    groups = {c for t in TOPICS for c in t.consumers if " " not in c}
    assert groups and all(credentials.owner(g) in credentials.SERVICES for g in groups), groups


def test_every_consumer_group_may_write_its_dedupe_marks():
    """shared/consumer.py marks each handled event under done:<group>:<event id>, as the group's
    service: a group the ACL forgets halts on its first batch (NOPERM on the MGET)."""
    from fnmatch import fnmatchcase

    groups = {c for t in TOPICS for c in t.consumers if " " not in c}
    for group in groups:
        patterns = credentials.redis_patterns(credentials.owner(group), "p:")
        assert any(fnmatchcase(f"p:done:{group}:e1", pat) for pat in patterns), group
