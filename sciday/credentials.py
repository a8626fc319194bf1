"""Credentials and least privilege: one Redis ACL user and one Kafka SCRAM user per service.

- **Redis.** ``user default off``; each service's user may write only the key families it owns
  and read only those it needs (sciday/redis_keys.py, after ``SCIDAY_REDIS_PREFIX``; read-only
  patterns need Redis 7), with data and scripting commands: no ``@dangerous`` (KEYS,
  FLUSHALL, CONFIG, DEBUG, MONITOR...), no ``@admin``, no pub/sub channels.  ``sciday-admin``
  (every command, the prefix's keys) is for the operator's CLI (tokens, seeding, ACL LOG) and
  ``sciday up``'s own set-up.  The ACL file holds
  SHA-256 hashes of the passwords, never the passwords.
- **Kafka.** SCRAM-SHA-512 users with ACLs from the topic registry (shared/topics.py): a service
  may write the topics it produces (and the ``-dlq`` twins of those it consumes), read the topics
  its consumer groups consume, use only its own groups, and describe the registered topics.
  ``sciday-admin`` is the broker's super user (topics, ACLs, SCRAM users); it logs in with PLAIN
  (sciday/kafka_broker.py says why).
- **Passwords** are made once, at random, into ``<var>/secrets/<redis|kafka>-<user>.password``
  (mode 0600, not in git) and handed to each process as ``SCIDAY_*_PASSWORD_FILE``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sciday import monitoring_user, redis_keys
from sciday.monitoring_user import MONITOR
from sciday.redis_keys import ADMIN, SERVICES
from shared.topics import DLQ_SUFFIX, PARKED_SUFFIX, TOPICS, dlq_for, parked_for

USERS = (*SERVICES, ADMIN)
# Redis only: the replica's user on the primary (docker-compose's redis-replica).
REPLICA = "replica"
REDIS_REPLICATION = "-@all +psync +replconf +ping +info"

# -- Redis ------------------------------------------------------------------------------------------
# Key patterns after the prefix, per service, from the key-family table (sciday/redis_keys.py):
# the families a service writes (``~``), and those it may only read (``%R~``, Redis >= 7).
REDIS_KEYS: dict[str, tuple[str, ...]] = {s: redis_keys.writes(s) for s in SERVICES}
READ_ONLY_KEYS: dict[str, tuple[str, ...]] = {s: redis_keys.reads(s) for s in SERVICES}
# Data and scripting commands; nothing that lists, flushes, reconfigures or watches the server.
REDIS_COMMANDS = "-@all +@read +@write +@scripting +@transaction +@connection -@dangerous -@admin"


def redis_patterns(user: str, prefix: str) -> list[str]:
    """Every key pattern ``user`` may touch, whether to write or only to read."""
    if user == ADMIN:
        return [f"{prefix}*"]
    return [prefix + k for k in (*REDIS_KEYS[user], *READ_ONLY_KEYS[user])]


def redis_key_rules(user: str, prefix: str) -> list[str]:
    """The ACL key rules of ``user``: ``~p`` read and write, ``%R~p`` read only."""
    if user == ADMIN:
        return [f"~{prefix}*"]
    return [f"~{prefix}{k}" for k in REDIS_KEYS[user]] + [f"%R~{prefix}{k}" for k in READ_ONLY_KEYS[user]]


def redis_acl(passwords: dict[str, str], prefix: str) -> str:
    """The ACL file (``redis-server --aclfile``) for these passwords and this key prefix."""
    lines = ["user default off resetkeys resetchannels -@all"]
    if REPLICA in passwords:
        digest = hashlib.sha256(passwords[REPLICA].encode()).hexdigest()
        lines.append(f"user {REPLICA} on #{digest} resetkeys resetchannels {REDIS_REPLICATION}")
    for user in USERS:
        digest = hashlib.sha256(passwords[user].encode()).hexdigest()
        keys = " ".join(redis_key_rules(user, prefix))
        commands = "+@all" if user == ADMIN else REDIS_COMMANDS
        lines.append(f"user {user} on #{digest} resetkeys resetchannels {keys} {commands}")
    if MONITOR in passwords:  # the exporters' (sciday/monitoring_user.py)
        lines.append(monitoring_user.redis_acl_line(hashlib.sha256(passwords[MONITOR].encode()).hexdigest()))
    return "\n".join(lines) + "\n"


# -- Kafka ------------------------------------------------------------------------------------------
def owner(label: str) -> str:
    """The service behind a registry label: ``"registration (via outbox relay)"`` -> registration;
    a consumer group is its service's name or starts with it (``checkin-projection`` -> checkin),
    which is how groups are named in services/*/consumer.py."""
    word = label.split(" ")[0]
    return next((s for s in SERVICES if word == s or word.startswith(s + "-")), word)


def groups_of(service: str) -> tuple[str, ...]:
    """The consumer groups of a service: the registry's consumer entries that are a bare group name
    (as services/*/consumer.py match them), not a description such as "notify (to be wired)"."""
    names = {c for t in TOPICS for c in t.consumers if " " not in c}
    return tuple(sorted(g for g in names if owner(g) == service))


@dataclass(frozen=True)
class KafkaGrant:
    user: str
    write: tuple[str, ...]
    read: tuple[str, ...]
    groups: tuple[str, ...]


def kafka_grants() -> list[KafkaGrant]:
    """What each service may do on the broker, from the topic registry (names without prefix)."""
    out = []
    for user in SERVICES:
        groups = groups_of(user)
        read = tuple(t.name for t in TOPICS if set(t.consumers) & set(groups))
        # Its own topics, and the dead-letter twins of those its consumer loops read.
        own = [
            t.name
            for t in TOPICS
            if not t.name.endswith((DLQ_SUFFIX, PARKED_SUFFIX)) and any(owner(p) == user for p in t.producers)
        ]
        write = tuple(own + [dlq_for(t) for t in read] + [parked_for(t) for t in read])
        out.append(KafkaGrant(user, write, read, groups))
    return out


def kafka_acls(prefix: str = "") -> list:
    """The ACL bindings for :func:`kafka_grants`, topics and groups with ``prefix`` in front."""
    from kafka.admin import ACL, ACLOperation, ACLPermissionType, ResourcePattern, ResourceType

    def allow(user: str, op, kind, name: str) -> ACL:
        return ACL(f"User:{user}", "*", op, ACLPermissionType.ALLOW, ResourcePattern(kind, prefix + name))

    acls = []
    for g in kafka_grants():
        acls += [allow(g.user, ACLOperation.DESCRIBE, ResourceType.TOPIC, t.name) for t in TOPICS]
        acls += [allow(g.user, ACLOperation.WRITE, ResourceType.TOPIC, t) for t in g.write]
        acls += [allow(g.user, ACLOperation.READ, ResourceType.TOPIC, t) for t in g.read]
        acls += [allow(g.user, ACLOperation.READ, ResourceType.GROUP, grp) for grp in g.groups]
    return acls + monitoring_user.kafka_acls(prefix, tuple(grp for g in kafka_grants() for grp in g.groups))


def apply_kafka(
    bootstrap: str, passwords: dict[str, str], prefix: str = "", admin_config: dict | None = None
) -> int:
    """Create (or update) every service's SCRAM user (and ``monitoring``'s, given its password) and
    their ACLs, as ``sciday-admin`` (PLAIN, with
    ``passwords[ADMIN]`` unless ``admin_config`` says otherwise).  Idempotent; returns the number of
    ACL bindings."""
    from kafka import KafkaAdminClient
    from kafka.admin import ScramMechanism, UserScramCredentialUpsertion

    from sciday.kafka_broker import admin_client_config

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="sciday-credentials",
        request_timeout_ms=10000,
        **(admin_config or admin_client_config(ADMIN, passwords[ADMIN])),
    )
    try:
        errors = admin.alter_user_scram_credentials(
            [
                UserScramCredentialUpsertion(u, ScramMechanism.SCRAM_SHA_512, passwords[u])
                for u in (*SERVICES, MONITOR)
                if u in passwords
            ]
        )
        failed = {u: e for u, e in (errors or {}).items() if e}
        if failed:
            raise RuntimeError(f"could not set the SCRAM users: {failed}")
        acls = kafka_acls(prefix)
        result = admin.create_acls(acls)
        if result.get("failed"):
            raise RuntimeError(f"could not create Kafka ACLs: {result['failed'][:3]}")
        return len(acls)
    finally:
        admin.close()


# -- passwords on disk ------------------------------------------------------------------------------
def password_file(secrets_dir: Path, kind: str, user: str) -> Path:
    return Path(secrets_dir) / f"{kind}-{user}.password"


def _write(path: Path, text: str, mode: int, exclusive: bool = False) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    with os.fdopen(os.open(path, flags, mode), "w") as fh:
        fh.write(text)
    os.chmod(path, mode)


def ensure_passwords(secrets_dir: Path, kind: str, mode: int = 0o600) -> dict[str, str]:
    """Every user's password for ``kind`` (``redis`` or ``kafka``), made at random on first use.
    The folder is private (0700); ``mode`` 0644 lets containers running as another user read the
    files docker-compose mounts from it."""
    secrets_dir = Path(secrets_dir)
    secrets_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(secrets_dir, 0o700)
    out = {}
    for user in (*USERS, MONITOR, REPLICA) if kind == "redis" else (*USERS, MONITOR):
        path = password_file(secrets_dir, kind, user)
        if not path.exists():
            _write(path, secrets.token_urlsafe(32) + "\n", mode, exclusive=True)
        out[user] = path.read_text().strip()
    return out


def write_redis_acl(secrets_dir: Path, prefix: str, mode: int = 0o600) -> Path:
    """``<secrets>/redis-users.acl`` for the passwords there (made if missing)."""
    path = Path(secrets_dir) / "redis-users.acl"
    _write(path, redis_acl(ensure_passwords(secrets_dir, "redis", mode), prefix), mode)
    return path


def write_compose_files(secrets_dir: Path, prefix: str) -> list[Path]:
    """Everything docker-compose.yml mounts as secrets: the passwords, the Redis ACL file, the
    replica's login to the primary, the brokers' JAAS file (the admin's PLAIN login: SCRAM users
    live in the cluster metadata, so the brokers and the first admin log in with PLAIN) and the
    admin client's properties for the brokers' healthcheck."""
    d, mode = Path(secrets_dir), 0o644
    redis_pw = ensure_passwords(d, "redis", mode)
    kafka_pw = ensure_passwords(d, "kafka", mode)
    from sciday.kafka_broker import jaas_text

    admin = kafka_pw[ADMIN]
    plain = "org.apache.kafka.common.security.plain.PlainLoginModule"
    files = {
        "redis-replica.conf": f"masteruser {REPLICA}\nmasterauth {redis_pw[REPLICA]}\n",
        "kafka-jaas.conf": jaas_text(ADMIN, admin),
        "kafka-admin-client.properties": (
            "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"
            f'sasl.jaas.config={plain} required username="{ADMIN}" password="{admin}";\n'
        ),
    }
    from sciday.key_files import write_key_files

    out = [write_redis_acl(d, prefix, mode), *write_key_files(d, mode)]
    for name, text in files.items():
        _write(d / name, text, mode)
        out.append(d / name)
    return out


def service_env(secrets_dir: Path, user: str, redis: bool, kafka: bool) -> dict[str, str]:
    """The environment that makes a process of ``user`` connect as itself."""
    env = {}
    if redis:
        env["SCIDAY_REDIS_USERNAME"] = user
        env["SCIDAY_REDIS_PASSWORD_FILE"] = str(password_file(secrets_dir, "redis", user))
    if kafka:
        env["SCIDAY_KAFKA_SECURITY_PROTOCOL"] = "SASL_PLAINTEXT"
        # The admin is the brokers' PLAIN user (sciday/kafka_broker.py); the services are SCRAM users.
        env["SCIDAY_KAFKA_SASL_MECHANISM"] = "PLAIN" if user == ADMIN else "SCRAM-SHA-512"
        env["SCIDAY_KAFKA_USERNAME"] = user
        env["SCIDAY_KAFKA_PASSWORD_FILE"] = str(password_file(secrets_dir, "kafka", user))
    return env


def main(argv: list[str] | None = None) -> int:
    """``python -m sciday.credentials create deploy/secrets``: the files docker-compose mounts
    (deploy/README.md).  ``python -m sciday.credentials kafka /run/secrets``: as the admin
    (SCIDAY_KAFKA_* from the environment), create the services' SCRAM users and ACLs."""
    import argparse

    from shared.config import load
    from shared.kafka import security

    p = argparse.ArgumentParser(prog="sciday.credentials")
    p.add_argument("action", choices=["create", "kafka"])
    p.add_argument("secrets_dir")
    p.add_argument("--prefix", default=os.environ.get("SCIDAY_REDIS_PREFIX", "sciday:"))
    args = p.parse_args(argv)
    d = Path(args.secrets_dir)
    if args.action == "create":
        made = write_compose_files(d, args.prefix)
        print(f"{len(made)} files and the passwords in {d}: keep them out of git and the image")
        return 0
    settings = load()
    # monitoring's Secret is optional: without it the exporters' user is simply not made.
    users = [u for u in (*SERVICES, MONITOR) if u in SERVICES or password_file(d, "kafka", u).exists()]
    passwords = {u: password_file(d, "kafka", u).read_text().strip() for u in users}
    n = apply_kafka(settings.kafka_bootstrap_servers, passwords, settings.topic_prefix, security(settings))
    print(f"kafka: SCRAM users {', '.join(users)} and {n} ACLs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
