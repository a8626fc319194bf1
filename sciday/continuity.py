"""State is never silently lost (issue 24 §8): the start-up check of ``sciday up`` and
``sciday state check``.

Redis keeps a record of the keys its data was signed and sealed with, ``{p}continuity`` (a hash:
``ticket:<kid>``, ``seal:<purpose>:<kid>``, ``secret:<name>`` -> a fingerprint, and ``since``).
At start-up, before any service runs:

- **an empty Redis with history elsewhere refuses**: no key under the prefix, but the keys folder
  holds keys or ``registration-events`` holds events.  Starting anyway would seed the catalogue
  again and sell every seat a second time against the tickets already issued.  Restore a backup
  (``sciday restore``), or force it with ``--accept-empty-redis``;
- **missing or remade keys refuse**: a key the record names is gone, or a file of the same id
  holds another key.  Every ticket signed (and every value sealed) with it would be ``invalid``.
  Restore the keys from a backup, or force it with ``--new-keys``: the lost keys are replaced by
  new ones with **new** ids (one above the highest ever recorded), so nothing signed by the old
  key can pass for the new one's, and the record is updated.

A check that passes records the keys in use (the first start records them all).  Keys given as
settings rather than files (``SCIDAY_SEAL_KEYS_*``, the secrets) are outside this check.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared import sealed

KEY = "continuity"
RETIRED = "retired:"  # a lost key's entry once replaced: its id is never given again
FORCE_EMPTY = "--accept-empty-redis"
FORCE_KEYS = "--new-keys"


class StateLost(RuntimeError):
    """The start-up check refused: what is lost, what to do, and the flag that forces it."""


def _fp(raw: bytes) -> str:
    return hmac.new(raw, b"sciday-continuity", hashlib.sha256).hexdigest()[:16]


def current_keys(keys_dir: Path, settings: Any = None) -> dict[str, str]:
    """The fingerprints of the keys on disk (ticket public keys, seal keys, secrets); nothing is made."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

    found: dict[str, str] = {}
    keys_dir = Path(keys_dir)
    if not keys_dir.is_dir():
        return found
    for path in keys_dir.glob("ed25519-*.pub"):
        pub = load_pem_public_key(path.read_bytes())
        found[f"ticket:{int(path.stem.split('-')[1])}"] = _fp(
            pub.public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
    for purpose in sealed.PURPOSES:
        if settings is not None and str(getattr(settings, f"seal_keys_{purpose}", "")):
            continue  # given as a setting
        for path in keys_dir.glob(f"seal-{purpose}-*.key"):
            kid = int(path.stem.rsplit("-", 1)[1])
            found[f"seal:{purpose}:{kid}"] = _fp(sealed._b64d(path.read_text().strip()))
    for path in keys_dir.glob("*.secret"):
        found[f"secret:{path.stem}"] = _fp(path.read_bytes())
    return found


def redis_is_empty(redis: Any, prefix: str) -> bool:
    cursor, batch = redis.scan(0, match=f"{prefix}*", count=1000)
    while not batch and cursor:
        cursor, batch = redis.scan(cursor, match=f"{prefix}*", count=1000)
    return not batch


def kafka_history(settings: Any) -> int:
    """How many events were ever written to ``registration-events`` (its end offsets: still > 0
    once the retention has deleted them; 0 when the topic is new or missing)."""
    from kafka import KafkaConsumer, TopicPartition

    from shared.kafka import security
    from shared.topics import REGISTRATION_EVENTS

    name = settings.topic_prefix + REGISTRATION_EVENTS
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        request_timeout_ms=15000,
        **security(settings),
    )
    try:
        parts = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or ())]
        if not parts:
            return 0
        end = consumer.end_offsets(parts)
        return sum(end.values())
    finally:
        consumer.close()


def check(
    redis: Any,
    settings: Any,
    keys_dir: Path,
    *,
    events: Callable[[], int] = lambda: 0,
    accept_empty: bool = False,
    new_keys: bool = False,
    keys_show_history: bool = True,
    write: bool = True,
) -> list[str]:
    """Refuse (:class:`StateLost`) or record; returns what was done, one line each.

    ``keys_show_history``: keys on disk mean an earlier start (`make run` makes its keys after
    this check); off where the keys are provisioned before the first start (docker-compose,
    Kubernetes: ``sciday state check``), where the topics alone tell.  ``write`` off: refuse
    alike but write nothing (Kubernetes' gate before each process, as that service's Redis user,
    which may only read the record; ``--new-keys`` then needs the admin's check)."""
    key, done = settings.redis_prefix + KEY, []
    record = {k.decode(): v.decode() for k, v in redis.hgetall(key).items()}
    on_disk = current_keys(keys_dir, settings)
    if not record and redis_is_empty(redis, settings.redis_prefix):
        done += _empty_redis(settings, keys_dir, on_disk if keys_show_history else {}, events, accept_empty)
    live = {k: v for k, v in record.items() if k != "since" and not k.startswith(RETIRED)}
    lost = sorted(k for k in live if k not in on_disk)
    remade = sorted(k for k in live if k in on_disk and on_disk[k] != record[k])
    if (lost or remade) and not (new_keys and write):
        what = [f"{k} is missing" for k in lost] + [
            f"{k} is another key than the one recorded" for k in remade
        ]
        raise StateLost(
            "keys that signed or sealed stored records are lost (" + "; ".join(what) + "): every "
            "ticket signed and every value sealed with them would be invalid. Restore "
            f"{keys_dir} from a backup (sciday restore), or start with {FORCE_KEYS} to make new "
            "keys with new ids (what the lost keys signed or sealed stays invalid). A key removed on "
            "purpose after a rotation: sciday state retire <name>."
        )
    if lost or remade:
        done += replace_keys(keys_dir, record, lost, remade)
        redis.hset(key, mapping={RETIRED + k: record[k] for k in lost + remade})
        redis.hdel(key, *(lost + remade))
        for k in lost + remade:
            record[RETIRED + k] = record.pop(k)
        on_disk = current_keys(keys_dir, settings)
    fresh = {k: v for k, v in on_disk.items() if record.get(k) != v}
    if write and (fresh or not record):
        redis.hset(key, mapping={**fresh, **({} if record else {"since": datetime.now(UTC).isoformat()})})
    return done


def _empty_redis(
    settings: Any, keys_dir: Path, on_disk: dict[str, str], events: Callable[[], int], accept_empty: bool
) -> list[str]:
    """An empty Redis: refuse when the keys on disk or the topics show history, unless forced."""
    history = [f"{len(on_disk)} keys in {keys_dir}"] if on_disk else []
    n = events()
    if n:
        history.append(f"{n} events written to {settings.topic_prefix}registration-events")
    if history and not accept_empty:
        raise StateLost(
            "Redis is empty but there is history (" + "; ".join(history) + "): starting would "
            "seed the catalogue again and sell every seat a second time against the tickets "
            "already issued. Restore a backup first (sciday up --restore <backup>, or sciday "
            "restore; docs/operations.md), or "
            f"start with {FORCE_EMPTY} to begin with an empty Redis and forget every earlier "
            "registration."
        )
    if history:
        return [f"{FORCE_EMPTY}: started on an empty Redis despite " + "; ".join(history)]
    return []


def retire(redis: Any, settings: Any, names: list[str]) -> list[str]:
    """Take keys removed on purpose (an old ticket key's ``.pub`` once its last ticket expired)
    out of the check; their ids stay used.  Returns the names retired."""
    key, done = settings.redis_prefix + KEY, []
    for name in names:
        value = redis.hget(key, name)
        if value is not None:
            redis.hset(key, RETIRED + name, value)
            redis.hdel(key, name)
            done.append(name)
    return done


def next_id(record: dict[str, str], family: str) -> int:
    """One above every id ``family`` (``ticket`` or ``seal:<purpose>``) has ever had."""
    ids = [int(k.rsplit(":", 1)[1]) for k in record if k.removeprefix(RETIRED).rsplit(":", 1)[0] == family]
    return max(ids, default=0) + 1


def replace_keys(keys_dir: Path, record: dict[str, str], lost: list[str], remade: list[str]) -> list[str]:
    """``--new-keys``: a remade key file takes a new id; a lost key's family gets a new key."""
    from shared.tickets import KeyRing

    done: list[str] = []
    keys_dir.mkdir(parents=True, exist_ok=True)
    families = {k.rsplit(":", 1)[0] for k in lost + remade if not k.startswith("secret:")}
    for family in sorted(families):
        new = next_id(record, family)
        for k in remade:
            if k.rsplit(":", 1)[0] == family:
                old = int(k.rsplit(":", 1)[1])
                for path in _files(keys_dir, family, old):
                    path.rename(path.with_name(path.name.replace(f"-{old}.", f"-{new}.")))
                done.append(f"{FORCE_KEYS}: the key remade as {k} now has id {new}")
                new += 1
        if family == "ticket" and not list(keys_dir.glob("ed25519-*.key")):
            KeyRing.load_or_create(keys_dir, first_kid=new)
            done.append(f"{FORCE_KEYS}: a new ticket signing key, id {new}")
        elif family.startswith("seal:") and not list(keys_dir.glob(f"seal-{family[5:]}-*.key")):
            sealed.new_key_file(keys_dir, family[5:], new)
            done.append(f"{FORCE_KEYS}: a new {family[5:]} sealing key, id {new}")
    for k in lost + remade:
        if k.startswith("secret:"):
            done.append(f"{FORCE_KEYS}: {k} is made again on first use (its keyed hashes no longer match)")
    return done


def _files(keys_dir: Path, family: str, kid: int) -> list[Path]:
    if family == "ticket":
        return [p for p in (keys_dir / f"ed25519-{kid}.key", keys_dir / f"ed25519-{kid}.pub") if p.exists()]
    return [p for p in [keys_dir / f"seal-{family[5:]}-{kid}.key"] if p.exists()]


# -- `sciday state check` (registered in sciday/cli.py): the same check where `sciday up` does not
# start the stack (docker-compose, Kubernetes), as a one-shot before the services ------------------
def cmd_check(args: Any) -> int:
    import sys

    from sciday.cli import _settings
    from shared.redis_scripts import connect_as

    settings = _settings(args)
    try:
        done = check(
            connect_as(settings),
            settings,
            Path(settings.keys_dir),
            events=lambda: kafka_history(settings),
            accept_empty=args.accept_empty_redis,
            new_keys=args.new_keys,
            keys_show_history=False,  # provisioned before the first start: the topics tell
            write=not args.read_only,
        )
    except StateLost as exc:
        print(f"sciday state check: {exc}", file=sys.stderr)
        return 1
    print("\n".join(done) or "state whole: Redis, the keys and the topics agree")
    return 0


def cmd_retire(args: Any) -> int:
    from sciday.cli import _settings
    from shared.redis_scripts import connect_as

    settings = _settings(args)
    done = retire(connect_as(settings), settings, args.names)
    unknown = sorted(set(args.names) - set(done))
    print(f"retired: {', '.join(done) or '-'}" + (f"; not recorded: {', '.join(unknown)}" if unknown else ""))
    return 0


def register(sub: Any) -> None:
    st = sub.add_parser("state", help="is the state whole (Redis, the keys, the topics)?")
    st_sub = st.add_subparsers(dest="action", required=True)
    ck = st_sub.add_parser("check", help="refuse on an empty Redis with history or on lost keys")
    ck.add_argument("--accept-empty-redis", action="store_true", help="start on the empty Redis anyway")
    ck.add_argument("--new-keys", action="store_true", help="replace lost keys by new ones with new ids")
    ck.add_argument(
        "--read-only", action="store_true", help="refuse alike, record nothing (Kubernetes' gate)"
    )
    ck.add_argument("--redis-url")
    ck.add_argument("--kafka")
    ck.set_defaults(func=cmd_check)
    rt = st_sub.add_parser("retire", help="a key removed on purpose (e.g. ticket:1 after a rotation)")
    rt.add_argument("names", nargs="+", help="as the check names them: ticket:1, seal:notify:1, secret:x")
    rt.add_argument("--redis-url")
    rt.set_defaults(func=cmd_retire)
