"""Issue 24 §9: staff and organizer tokens expire, can be listed and revoked, and a steward token
names a venue that exists.  Before, tokens never expired, there was no list or revoke, and
`sciday token create --role steward --venue anything` was accepted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from sciday.cli import main
from services.registration.app import create_app as registration_app
from shared.auth import create_token
from tests.conftest import activity_doc


@pytest.fixture
def cli(settings, monkeypatch, tmp_path):
    """`sciday …` in this process, against the test Redis under the test's key prefix."""
    monkeypatch.setenv("SCIDAY_REDIS_PREFIX", settings.redis_prefix)
    monkeypatch.setenv("SCIDAY_VAR_DIR", str(tmp_path))  # no var/secrets: the default Redis user
    monkeypatch.setenv("REDIS_URL", settings.redis_url)

    def run(capsys, *args: str) -> tuple[int, str, str]:
        rc = main(list(args))
        out, err = capsys.readouterr()
        return rc, out, err

    return run


@pytest.fixture
def web(settings, redis):
    return registration_app(settings).test_client()


def _who(web, token: str) -> int:
    return web.get("/api/v1/tokens/current", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_steward_token_for_an_unknown_venue_is_refused(cli, web, redis, settings, capsys):
    org = create_token(redis, settings.redis_prefix, "organizer", "org")
    r = web.post(
        "/api/v1/activities", json=activity_doc("tok-imax"), headers={"Authorization": f"Bearer {org}"}
    )
    assert r.status_code == 201, r.get_json()
    rc, out, err = cli(
        capsys, "token", "create", "--role", "steward", "--venue", "no-such-venue", "--name", "x"
    )
    assert (rc, out) == (2, "")
    assert "no activity is at venue 'no-such-venue'" in err and "ln-stm" in err
    rc, out, _err = cli(capsys, "token", "create", "--role", "steward", "--venue", "ln-stm", "--name", "东门")
    assert rc == 0 and _who(web, out.strip()) == 200


def test_an_expired_token_is_refused(web, redis, settings):
    now = datetime.now(UTC)
    fresh = create_token(redis, settings.redis_prefix, "organizer", "a", expires_at=now + timedelta(days=1))
    stale = create_token(
        redis, settings.redis_prefix, "organizer", "b", expires_at=now - timedelta(seconds=1)
    )
    assert (_who(web, fresh), _who(web, stale)) == (200, 401)


def test_a_token_from_before_expiry_counts_from_its_creation(web, redis, settings):
    old = create_token(redis, settings.redis_prefix, "organizer", "old")
    [(h, raw)] = redis.hgetall(f"{settings.redis_prefix}tokens").items()
    rec = json.loads(raw)
    assert "expires_at" not in rec
    days = settings.token_ttl_days
    rec["created_at"] = (datetime.now(UTC) - timedelta(days=days + 1)).isoformat()
    redis.hset(f"{settings.redis_prefix}tokens", h, json.dumps(rec))
    assert _who(web, old) == 401


def test_tokens_are_listed_without_the_token_and_revoked_by_id(cli, web, capsys):
    rc, out, err = cli(capsys, "token", "create", "--role", "organizer", "--name", "王老师", "--days", "30")
    token = out.strip()
    assert rc == 0 and _who(web, token) == 200 and "until" in err
    rc, listing, _ = cli(capsys, "token", "list")
    assert rc == 0 and "王老师" in listing and token not in listing
    [row] = [line for line in listing.splitlines() if "王老师" in line]
    token_id = row.split()[0]
    rc, out, _ = cli(capsys, "token", "revoke", token_id)
    assert rc == 0 and out.startswith("revoked")
    assert _who(web, token) == 401
    rc, _, err = cli(capsys, "token", "revoke", token_id)
    assert rc == 2 and "no token" in err
