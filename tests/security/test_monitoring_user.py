"""The exporters' user ``monitoring`` (issue 24 §3, §6) on a real Redis 7 started with the ACL file
of sciday/credentials.py: it reads the server's state (INFO, SLOWLOG, LATENCY, CLIENT LIST) and
nothing else: no key of any family, no CONFIG (the replica's ``masterauth``), no ACL."""

from __future__ import annotations

import pytest
import redis as redis_lib

from sciday.monitoring_user import MONITOR
from sciday.redis_keys import ADMIN, FAMILIES
from shared.redis_scripts import connect_as
from tests.integration.test_redis_acl import PREFIX, acl_redis, settings_of

NOPERM = redis_lib.exceptions.NoPermissionError


def test_monitoring_reads_the_servers_state(acl_redis):
    r = connect_as(settings_of(acl_redis, MONITOR))
    assert r.ping() is True
    assert "redis_version" in r.info() or "valkey_version" in r.info()
    assert "used_memory" in r.info("memory")
    r.execute_command("SLOWLOG", "GET", "10")
    r.execute_command("SLOWLOG", "LEN")
    r.execute_command("LATENCY", "LATEST")
    assert r.execute_command("CLIENT", "LIST")
    r.execute_command("SELECT", "0")


@pytest.mark.parametrize("family", FAMILIES, ids=[f.pattern for f in FAMILIES])
def test_monitoring_may_not_read_or_write_any_key_family(acl_redis, family):
    key = PREFIX + family.pattern.replace("*", "probe")
    connect_as(settings_of(acl_redis, ADMIN)).hset(key, "seen", "1")
    r = connect_as(settings_of(acl_redis, MONITOR))
    for command in (
        ("GET", key),
        ("HGET", key, "seen"),
        ("SET", key, "x"),
        ("HSET", key, "f", "x"),
        ("DEL", key),
    ):
        with pytest.raises(NOPERM):
            r.execute_command(*command)


def test_monitoring_may_not_reconfigure_or_list_the_server(acl_redis):
    r = connect_as(settings_of(acl_redis, MONITOR))
    for command in (
        ("CONFIG", "GET", "*"),
        ("CONFIG", "SET", "maxmemory", "1"),
        ("ACL", "LIST"),
        ("ACL", "SETUSER", MONITOR, "+@all"),
        ("KEYS", "*"),
        ("SCAN", "0"),
        ("FLUSHALL",),
        ("EVAL", "return 1", "0"),
        ("CLIENT", "KILL", "ID", "1"),
    ):
        with pytest.raises(NOPERM):
            r.execute_command(*command)
