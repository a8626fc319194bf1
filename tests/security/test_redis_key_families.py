"""Least privilege that holds (issue 23): every Redis key family tried as every service, on a real
Redis 7 started with the ACL file that sciday/credentials.py makes from sciday/redis_keys.py.

The writer of a family writes it; a reader reads it and is refused (NOPERM) any write, in a
command or in a Lua script; every other service is refused both. The table is the one in
docs/privacy.md, row for row, so a new family comes with its row there and its grants here.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import redis as redis_lib

from sciday import redis_keys
from sciday.redis_keys import ADMIN, FAMILIES, SERVICES
from shared.auth import create_token, lookup
from shared.redis_scripts import connect_as
from tests.integration.test_redis_acl import PREFIX, acl_redis, settings_of

NOPERM = redis_lib.exceptions.NoPermissionError
CASES = [(f, s) for f in FAMILIES for s in SERVICES]


def sample(family: redis_keys.KeyFamily) -> str:
    return PREFIX + family.pattern.replace("*", "probe")


def as_user(acl_redis, user: str) -> redis_lib.Redis:
    return connect_as(settings_of(acl_redis, user))


@pytest.mark.parametrize(("family", "service"), CASES, ids=[f"{f.pattern}-{s}" for f, s in CASES])
def test_each_service_may_do_to_each_key_family_what_the_table_says(acl_redis, family, service):
    key = sample(family)
    admin = as_user(acl_redis, ADMIN)
    admin.hset(key, "seen", "1")
    r = as_user(acl_redis, service)
    field = f"by-{service}"
    if service == family.writer:
        r.hset(key, field, "1")
        assert r.hget(key, field) == b"1"
        return
    if service in family.readers:
        assert r.hget(key, "seen") == b"1"
        assert r.execute_command("EVAL_RO", "return redis.call('HGET', KEYS[1], 'seen')", 1, key) == b"1"
    else:
        with pytest.raises(NOPERM):
            r.hget(key, "seen")
    with pytest.raises(NOPERM):
        r.hset(key, field, "1")
    with pytest.raises(NOPERM):
        r.delete(key)
    with pytest.raises(redis_lib.exceptions.ResponseError, match="(?i)no permission|noperm"):
        r.eval("return redis.call('HSET', KEYS[1], ARGV[1], 'lua')", 1, key, field)
    assert admin.hget(key, field) is None


@pytest.mark.parametrize("service", ["checkin", "notify"])
def test_a_service_cannot_make_an_organizer_but_still_reads_the_tokens(acl_redis, service):
    """Finding 1: ``HSET tokens <sha256(token)> {"role": "organizer"}`` as check-in or notify."""
    r = as_user(acl_redis, service)
    token = "sd_insider"
    with pytest.raises(NOPERM):
        r.hset(
            f"{PREFIX}tokens", hashlib.sha256(token.encode()).hexdigest(), json.dumps({"role": "organizer"})
        )
    assert lookup(r, PREFIX, token) is None
    # What the services need of the store still works: the operator's token is read as itself.
    real = create_token(as_user(acl_redis, ADMIN), PREFIX, "steward", "门岗", "ln-stm")
    principal = lookup(r, PREFIX, real)
    assert principal is not None and principal.role == "steward"


def test_the_key_family_table_in_the_privacy_doc_is_the_acl_table():
    """docs/privacy.md's table lists each family once, with the writer and readers of the code's table."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text(encoding="utf-8")
    rows = {}
    for line in doc.splitlines():
        m = re.match(r"\|\s*`([^`]+)`\s*\|\s*([^|]+?)\s*\|\s*([^|]*?)\s*\|", line)
        if m:
            rows[m.group(1)] = (m.group(2).strip("` "), m.group(3))
    table = {f.pattern: f for f in FAMILIES}
    assert set(table) <= set(rows), f"families missing from docs/privacy.md: {set(table) - set(rows)}"
    for pattern, family in table.items():
        writer, readers = rows[pattern]
        assert writer == family.writer, pattern
        assert sorted(re.findall(r"[a-z][a-z-]+", readers)) == sorted(family.readers), pattern
