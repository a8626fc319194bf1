"""`sciday token create|list|revoke` (issue 24): staff and organizer tokens, as the operator.

Tokens live hashed in the key ``tokens`` (shared/auth.py), written only by sciday-admin.  Each
expires: ``--days`` when made, else the ``token_ttl_days`` setting; a token made before expiry
existed counts from its creation.  ``list`` shows each token's id (the first characters of its
hash, never the token), role, venue, gates, name and expiry; ``revoke <id>`` deletes it, and the
next request with it is refused.  A steward or supervisor token names a venue that exists: one
of the activities' venues.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

ID_CHARS = 12


def known_venues(redis: Any, settings: Any) -> set[str]:
    from services.registration.seats.store import SeatStore

    return {doc["venue"]["id"] for doc, _counts in SeatStore(redis, settings).list_activities()}


def cmd_create(args: argparse.Namespace) -> int:
    from sciday.cli import _settings
    from shared.auth import create_token
    from shared.redis_scripts import connect_as

    settings = _settings(args)
    redis = connect_as(settings)
    if args.venue and args.role != "organizer":
        venues = known_venues(redis, settings)
        if args.venue not in venues:
            print(
                f"sciday token create: no activity is at venue {args.venue!r} "
                f"(venues: {', '.join(sorted(venues)) or 'none yet; run sciday seed or import'})",
                file=sys.stderr,
            )
            return 2
    days = settings.token_ttl_days if args.days is None else args.days
    expires = datetime.now(UTC) + timedelta(days=days) if days > 0 else None
    try:
        token = create_token(
            redis, settings.redis_prefix, args.role, args.name, args.venue, args.gate or None, expires
        )
    except ValueError as exc:
        print(f"sciday token create: {exc}", file=sys.stderr)
        return 2
    print(token)
    print(
        f"# {args.role} token for {args.name!r}{' at venue ' + args.venue if args.venue else ''}"
        f"{' at gates ' + ', '.join(args.gate) if args.gate else ''}"
        f"{', until ' + expires.isoformat(timespec='minutes') if expires else ', no expiry'}; "
        "it is stored hashed and will not be shown again.",
        file=sys.stderr,
    )
    return 0


def _records(redis: Any, prefix: str) -> dict[str, dict[str, Any]]:
    return {
        (h.decode() if isinstance(h, bytes) else h): json.loads(raw)
        for h, raw in redis.hgetall(f"{prefix}tokens").items()
    }


def cmd_list(args: argparse.Namespace) -> int:
    from sciday.cli import _settings
    from sciday.status import table
    from shared.auth import expired
    from shared.redis_scripts import connect_as

    settings = _settings(args)
    recs = _records(connect_as(settings), settings.redis_prefix)
    rows = [("id", "role", "venue", "gates", "name", "created", "expires")]
    for h, rec in sorted(recs.items(), key=lambda kv: kv[1].get("created_at", "")):
        ends = rec.get("expires_at") or (
            "never"
            if not settings.token_ttl_days
            else (
                datetime.fromisoformat(rec["created_at"]) + timedelta(days=settings.token_ttl_days)
            ).isoformat()
        )
        state = " (expired)" if expired(rec, settings.token_ttl_days) else ""
        rows.append(
            (
                h[:ID_CHARS],
                rec["role"],
                rec.get("venue") or "-",
                ",".join(rec.get("gates") or []) or "any",
                rec.get("name", ""),
                rec.get("created_at", "?")[:16],
                ends[:16] + state,
            )
        )
    print(table(rows))
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from sciday.cli import _settings
    from shared.redis_scripts import connect_as

    settings = _settings(args)
    redis = connect_as(settings)
    matches = [h for h in _records(redis, settings.redis_prefix) if h.startswith(args.id)]
    if len(args.id) < 6 or len(matches) != 1:
        why = "no token" if not matches else f"{len(matches)} tokens"
        print(f"sciday token revoke: {why} with id {args.id!r} (see sciday token list)", file=sys.stderr)
        return 2
    redis.hdel(f"{settings.redis_prefix}tokens", matches[0])
    print(f"revoked {matches[0][:ID_CHARS]}")
    return 0


def register(tok_sub: Any, create: argparse.ArgumentParser) -> None:
    create.add_argument("--days", type=int, help="valid this many days (default: token_ttl_days; 0: never)")
    create.set_defaults(func=cmd_create)
    ls = tok_sub.add_parser("list", help="every token: id, role, venue, name, expiry (never the token)")
    ls.add_argument("--redis-url")
    ls.set_defaults(func=cmd_list)
    rv = tok_sub.add_parser("revoke", help="revoke a token by its id (from sciday token list)")
    rv.add_argument("id")
    rv.add_argument("--redis-url")
    rv.set_defaults(func=cmd_revoke)
