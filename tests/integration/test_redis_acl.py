"""Redis ACL users per service (sciday/credentials.py) on a real redis-server started with the ACL
file: each user works on its own keys and is refused (NOPERM) on the others' and on server-wide
commands; nobody gets in without a user.  That each service's processes do their whole job as
their users is tests/e2e/test_least_privilege.py (the registration path, with an empty ACL LOG)."""

from __future__ import annotations

import pytest
import redis as redis_lib

from sciday import credentials, embedded
from shared.config import load
from shared.redis_scripts import connect, connect_as

PREFIX = "acl:"
# One key of each service's own, by the modules that write them.
OWN = {
    "registration": f"{PREFIX}act:{{imax}}:regs",
    "checkin": f"{PREFIX}ck:regs:{{imax}}",
    "notify": f"{PREFIX}nt:log:r1",
}


@pytest.fixture(scope="module")
def acl_redis(tmp_path_factory):
    base = tmp_path_factory.mktemp("acl-redis")
    acl = credentials.write_redis_acl(base / "secrets", PREFIX)
    port = embedded.free_port()
    proc = embedded.start_redis(port, base / "data", base / "redis.log", acl_file=acl)
    yield f"redis://127.0.0.1:{port}/0", credentials.ensure_passwords(base / "secrets", "redis")
    embedded.stop(proc)


def settings_of(acl_redis, user: str):
    url, passwords = acl_redis
    return load(
        {"redis_url": url, "redis_prefix": PREFIX, "redis_username": user, "redis_password": passwords[user]}
    )


@pytest.mark.parametrize("user", credentials.SERVICES)
def test_each_service_writes_its_own_keys_and_is_refused_the_others(acl_redis, user):
    r = connect_as(settings_of(acl_redis, user))
    r.hset(OWN[user], "k", "v")
    assert r.hget(OWN[user], "k") == b"v"
    r.hget(f"{PREFIX}tokens", "k")  # the token store: every service reads it (only reads: below)
    for other, key in OWN.items():
        if other != user:
            with pytest.raises(redis_lib.exceptions.NoPermissionError):
                r.hget(key, "k")
            with pytest.raises(redis_lib.exceptions.NoPermissionError):
                r.delete(key)
    # Outside the prefix (another stack sharing the server) and server-wide commands: refused.
    with pytest.raises(redis_lib.exceptions.NoPermissionError):
        r.set("other-stack:tokens", "x")
    for command in (
        ("KEYS", "*"),
        ("FLUSHALL",),
        ("CONFIG", "GET", "*"),
        ("ACL", "LIST"),
        ("SLOWLOG", "GET"),  # DEBUG is off on Redis 7 whatever the user (enable-debug-command)
    ):
        with pytest.raises(redis_lib.exceptions.NoPermissionError):
            r.execute_command(*command)


def test_a_lua_script_touching_another_services_key_is_refused(acl_redis):
    r = connect_as(settings_of(acl_redis, "notify"))
    with pytest.raises(redis_lib.exceptions.ResponseError, match="(?i)no permission|noperm"):
        r.eval("return redis.call('HGET', KEYS[1], 'k')", 1, OWN["registration"])


def test_no_user_and_a_wrong_password_get_nothing(acl_redis):
    url, passwords = acl_redis
    with pytest.raises(redis_lib.AuthenticationError):
        connect(url).ping()  # the default user is off
    with pytest.raises(redis_lib.AuthenticationError):
        connect(url, username="registration", password=passwords["checkin"]).ping()
