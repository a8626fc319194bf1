"""Every Redis key family: who writes it, who may only read it, what it holds (issue 23).

This table is the one home of the Redis ACL (sciday/credentials.py builds each service's key
patterns from it: ``~pattern`` for the writer, ``%R~pattern`` for a reader, which needs Redis 7),
of the key-family table in docs/privacy.md (a test compares them) and of the security-tier test
that tries every family as every service (tests/security/test_redis_key_families.py).

**Adding a key family:** append a :class:`KeyFamily` row: its pattern after the prefix, the one
service that writes it, the services that read it, what it holds and whether that is personal; add
the same row to docs/privacy.md's table. A reader may use plain reads (GET, HGET, EVAL_RO...) but
may not pass the key to EVAL/EVALSHA/FCALL, which Redis counts as writing every key they name.
"""

from __future__ import annotations

from dataclasses import dataclass

ADMIN = "sciday-admin"
SERVICES = ("registration", "checkin", "notify")


@dataclass(frozen=True)
class KeyFamily:
    pattern: str  # after SCIDAY_REDIS_PREFIX; "*" as in a Redis ACL key pattern
    writer: str  # the one user that writes it (a service, or ADMIN for the operator alone)
    readers: tuple[str, ...]  # the other services that may read it, and nothing more
    holds: str  # what it holds, and the module that owns it
    personal: str  # personal data, and in what form ("no" when none)


def _f(
    pattern: str, writer: str, holds: str, personal: str = "no", readers: tuple[str, ...] = ()
) -> KeyFamily:
    return KeyFamily(pattern, writer, readers, holds, personal)


FAMILIES: tuple[KeyFamily, ...] = (
    # -- the operator's, read by every web service ---------------------------------------------
    _f(
        "tokens",
        ADMIN,
        "staff and organizer bearer tokens, SHA-256 of the token -> role, venue, name (shared/auth.py; "
        "made by `sciday token create` as sciday-admin)",
        "the staff member's name as the operator typed it",
        readers=SERVICES,
    ),
    # -- registration ---------------------------------------------------------------------------
    _f(
        "act:*",
        "registration",
        "activities' seats, registrations, idempotency records, ID and phone indexes (store.py)",
        "sealed name, phone, email; keyed hashes; masked forms",
    ),
    _f("activities", "registration", "the list of activities (store.py)"),
    _f("idday", "registration", "per-ID day counts (store.py)", "keyed hashes of ID numbers"),
    _f("idfest", "registration", "per-ID festival counts (store.py)", "keyed hashes of ID numbers"),
    _f(
        "myregs:*",
        "registration",
        "a verified phone's registrations, 我的报名 (store.py)",
        "keyed hash of the phone",
    ),
    _f(
        "proxy:*",
        "registration",
        "the people a verified phone booked for, 代预约 (access/fair.lua; issue 29)",
        "keyed hashes of the phone and of the people booked for",
    ),
    _f("regidx", "registration", "registration id -> activity (store.py)"),
    _f("vcode:*", "registration", "pending SMS codes (verification_store.py)", "keyed hash of the phone"),
    _f(
        "vday:*",
        "registration",
        "codes sent per phone per day (verification_store.py)",
        "keyed hash of the phone",
    ),
    _f(
        "vhour:*",
        "registration",
        "codes sent per network prefix and in all, per hour (verification_store.py, issue 23)",
        "keyed hash of the network prefix",
    ),
    _f("vsess:*", "registration", "verified sessions (verification_store.py)", "the phone, sealed"),
    _f("lot:*", "registration", "lottery entries, holders, draws (lottery_store.py)", "sealed; masked forms"),
    _f(
        "lotg:*",
        "registration",
        "v2 lottery groups: entries, holders, demand, the frozen set, rounds, losses (lottery/group_store.py)",
        "sealed; masked forms",
    ),
    _f(
        "q:*",
        "registration",
        "release queues: places (swept with the retention), the pre-queue, positions, seeds (queue/store.py)",
        "keyed hash of the phone",
    ),
    _f("ns:*", "registration", "no-show marks and locks (noshow_store.py)", "keyed hashes"),
    _f("import-columns:*", "registration", "an organizer's saved column mappings (column_mappings.py)"),
    _f("erasures", "registration", "the audit of erasures (store.py)", "registration ids only"),
    _f("retention:*", "registration", "activities already swept (retention.py)"),
    _f(
        "done:registration-noshow:*",
        "registration",
        "dedupe marks of the no-show worker (shared/consumer.py)",
    ),
    _f("outbox", "registration", "the outbox stream (shared/outbox.py)", "masked forms; the rest sealed"),
    _f("outbox:*", "registration", "the outbox's cursor, lease and topic ids (shared/outbox.py)"),
    _f(
        "rl:*",
        "registration",
        "sliding-window rate limits per phone, ID, address (shared/ratelimit.py)",
        "hashes",
    ),
    _f("consumer-halt:registration*", "registration", "halt notes of its consumer groups (shared/halts.py)"),
    _f(
        "realname:*",
        "registration",
        "real-name confirmations remembered for a while (realname_http.py; issue 23)",
        "keyed hash of the name and the ID hash",
    ),
    _f(
        "beacon:*",
        "registration",
        "beacon rounds an organizer typed in, verified, per chain (lottery/beacon_typed.py; issue 27)",
    ),
    # -- checkin --------------------------------------------------------------------------------
    _f(
        "ck:*",
        "checkin",
        "the door's projection, check-ins, standby, its outbox ck:outbox, its rate limits ck:rl:*, "
        "internal-call nonces ck:nonce:* (projection.py, store.py, standby_store.py)",
        "masked name and phone; standby phone sealed for notify",
    ),
    _f("done:checkin-projection:*", "checkin", "dedupe marks (shared/consumer.py)"),
    _f("consumer-halt:checkin*", "checkin", "halt notes of its consumer groups (shared/halts.py)"),
    # -- notify ---------------------------------------------------------------------------------
    _f(
        "nt:*",
        "notify",
        "notify's projection, delivery intents, reminders, send rates, nt:outbox, internal-call "
        "nonces nt:nonce:* (projection.py, deliveries.py, reminders.py, sender.py)",
        "contact fields sealed for notify",
    ),
    _f("done:notify:*", "notify", "dedupe marks (shared/consumer.py)"),
    _f("consumer-halt:notify*", "notify", "halt notes of its consumer groups (shared/halts.py)"),
    # -- crypto-shredding (issue 23) -------------------------------------------------------------
    _f(
        "shred:*",
        "registration",
        "the data key of each registration and lottery entry, wrapped under notify's ring; erasure "
        "deletes it (shared/shredding.py)",
        "none in itself: deleting a key makes the topics' copies sealed under it unreadable",
        readers=("notify",),
    ),
    # -- the operator's start-up check (issue 24 §8) ---------------------------------------------
    _f(
        "continuity",
        ADMIN,
        "fingerprints of the ticket keys, seal keys and secrets the stored data was signed and "
        "sealed with, and the ids ever used (sciday/continuity.py; written by `sciday up` and "
        "`sciday state check` as sciday-admin; read by Kubernetes' gate, `sciday state check "
        "--read-only`, as each service)",
        readers=SERVICES,
    ),
)


def writes(user: str) -> tuple[str, ...]:
    """The patterns ``user`` may read and write (sciday-admin: all of them)."""
    return tuple(f.pattern for f in FAMILIES if user in (f.writer, ADMIN))


def reads(user: str) -> tuple[str, ...]:
    """The patterns ``user`` may only read."""
    return tuple(f.pattern for f in FAMILIES if user in f.readers and user != f.writer)
