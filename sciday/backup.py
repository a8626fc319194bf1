"""``sciday backup`` and ``sciday restore`` (issue 24 §5; the runbook is docs/operations.md).

A backup is one folder, ``<backup_dir>/sciday-<UTC time>/`` (written as ``.partial`` and renamed
when complete), holding:

- ``redis.jsonl``: every key under the prefix as ``DUMP`` and its time to live, read by the
  operator's ACL user (``sciday-admin``) in **one** MULTI/EXEC, so the values are one instant's
  (a Lua script that wrote several keys is in all of them or none).  Through the client, not
  ``dump.rdb``: a server with AOF on loads its AOF, not an RDB file, and the ACLs forbid BGSAVE;
- ``keys/`` and ``secrets/``: the keys folder (ticket keys, seal keys, secrets) and the
  passwords, mode 0600 in a 0700 folder: **a backup is as secret as the keys**;
- ``offsets.json``: the consumer groups' committed offsets, so that after a restore the
  consumers can be set back to where the restored Redis was (``--offsets``);
- ``manifest.json``: when, the prefixes, how many keys, a SHA-256 per file (checked on restore).

``sciday restore <folder>`` puts Redis back by ``RESTORE`` (into a Redis that holds nothing under
the prefix, unless ``--replace``), the keys and secrets that are missing (a different file of
the same name refuses, unless ``--replace``), and with ``--offsets`` the groups' offsets (the
consumers stopped).  Then ``sciday rebuild checkin`` brings the door's projection and admissions
up to the log.  ``sciday up --restore <folder>`` does the restore before any service starts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REDIS_FILE, OFFSETS_FILE, MANIFEST = "redis.jsonl", "offsets.json", "manifest.json"
FOLDERS = ("keys", "secrets")


class RestoreRefused(RuntimeError):
    """What the restore would overwrite, and the flag that allows it."""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sources(settings: Any) -> dict[str, Path]:
    return {"keys": Path(settings.keys_dir), "secrets": Path(settings.var_dir) / "secrets"}


def groups() -> list[str]:
    from shared.topics import TOPICS

    return sorted({c for t in TOPICS for c in t.consumers if " " not in c})


def read_offsets(settings: Any) -> dict[str, dict[str, int]]:
    """``{group: {"<topic>:<partition>": offset}}`` of every registered consumer group."""
    from kafka import KafkaAdminClient

    from shared.kafka import security

    admin = KafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers, request_timeout_ms=15000, **security(settings)
    )
    try:
        out: dict[str, dict[str, int]] = {}
        for group in groups():
            name = settings.topic_prefix + group
            got = admin.list_group_offsets({name: None}).get(name, {})
            out[group] = {f"{tp.topic}:{tp.partition}": meta.offset for tp, meta in sorted(got.items())}
        return out
    finally:
        admin.close()


def write_offsets(settings: Any, offsets: dict[str, dict[str, int]]) -> int:
    """Set each group's committed offsets to the saved ones (its consumers must be stopped)."""
    from kafka import KafkaAdminClient, TopicPartition
    from kafka.structs import OffsetAndMetadata

    from shared.kafka import security

    admin = KafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers, request_timeout_ms=15000, **security(settings)
    )
    n = 0
    try:
        for group, parts in offsets.items():
            commit = {}
            for name, offset in parts.items():
                topic, _, partition = name.rpartition(":")
                commit[TopicPartition(topic, int(partition))] = OffsetAndMetadata(offset, "", -1)
            if not commit:
                continue
            errors = admin.alter_group_offsets(settings.topic_prefix + group, commit)
            failed = {tp: e for tp, e in errors.items() if getattr(e, "errno", 0)}
            if failed:
                raise RestoreRefused(
                    f"could not set the offsets of {group} (stop its consumers first): {failed}"
                )
            n += len(commit)
    finally:
        admin.close()
    return n


def backup(
    settings: Any, redis: Any, dest: Path, *, offsets: bool = True, now: datetime | None = None
) -> Path:
    now = now or datetime.now(UTC)
    dest = Path(dest)
    final = dest / f"sciday-{now.strftime('%Y%m%dT%H%M%SZ')}"
    work = final.with_name(final.name + ".partial")
    dest.mkdir(parents=True, exist_ok=True)
    work.mkdir(mode=0o700)
    keys = sorted(redis.scan_iter(match=settings.redis_prefix + "*", count=1000))
    pipe = redis.pipeline(transaction=True)  # one MULTI/EXEC: one instant's values
    for key in keys:
        pipe.dump(key)
        pipe.pttl(key)
    got = pipe.execute() if keys else []
    written = 0
    fd = os.open(work / REDIS_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        for key, value, ttl in zip(keys, got[::2], got[1::2], strict=True):
            if value is None:  # gone between the scan and the transaction
                continue
            line = {
                "k": base64.b64encode(key).decode(),
                "ttl": max(int(ttl), 0),
                "v": base64.b64encode(value).decode(),
            }
            fh.write(json.dumps(line) + "\n")
            written += 1
    for name, source in _sources(settings).items():
        if source.is_dir():
            shutil.copytree(source, work / name)
            os.chmod(work / name, 0o700)
    manifest: dict[str, Any] = {
        "created_at": now.isoformat(),
        "redis_prefix": settings.redis_prefix,
        "topic_prefix": settings.topic_prefix,
        "redis_keys": written,
    }
    if offsets:
        try:
            (work / OFFSETS_FILE).write_text(json.dumps(read_offsets(settings), indent=1, sort_keys=True))
        except Exception as exc:  # the broker is down: Redis and the keys are still worth keeping
            manifest["offsets_error"] = str(exc)[:300]
    manifest["files"] = {str(p.relative_to(work)): _sha(p) for p in sorted(work.rglob("*")) if p.is_file()}
    (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    work.rename(final)
    return final


def prune(dest: Path, keep: int) -> list[Path]:
    """Remove all but the ``keep`` newest complete backups in ``dest``."""
    done = sorted(p for p in Path(dest).glob("sciday-*") if p.is_dir() and not p.name.endswith(".partial"))
    gone = done[: max(len(done) - keep, 0)]
    for path in gone:
        shutil.rmtree(path)
    return gone


def restore(
    settings: Any, redis: Any, folder: Path, *, replace: bool = False, offsets: bool = False
) -> dict[str, Any]:
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    for name, digest in manifest["files"].items():
        if _sha(folder / name) != digest:
            raise RestoreRefused(f"{folder / name} does not match its manifest: the backup is damaged")
    if manifest["redis_prefix"] != settings.redis_prefix:
        raise RestoreRefused(
            f"the backup is of prefix {manifest['redis_prefix']!r}, not {settings.redis_prefix!r}"
        )
    from sciday.continuity import redis_is_empty

    if not replace and not redis_is_empty(redis, settings.redis_prefix):
        raise RestoreRefused(
            f"Redis already holds keys under {settings.redis_prefix!r}; restore with --replace to "
            "overwrite them with the backup's (keys the backup does not have are kept)"
        )
    copies = []
    for name, target in _sources(settings).items():
        for path in sorted((folder / name).rglob("*")) if (folder / name).is_dir() else []:
            if not path.is_file():
                continue
            there = target / path.relative_to(folder / name)
            if there.exists() and there.read_bytes() != path.read_bytes() and not replace:
                raise RestoreRefused(
                    f"{there} differs from the backup's; restore with --replace to overwrite it"
                )
            if not there.exists() or replace:
                copies.append((path, there))
    pipe, n = redis.pipeline(transaction=False), 0
    for line in (folder / REDIS_FILE).read_text().splitlines():
        item = json.loads(line)
        pipe.restore(base64.b64decode(item["k"]), item["ttl"], base64.b64decode(item["v"]), replace=True)
        n += 1
        if n % 500 == 0:
            pipe.execute()
    pipe.execute()
    for path, there in copies:
        there.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copy2(path, there)
        os.chmod(there, 0o600)
    committed = 0
    if offsets and (folder / OFFSETS_FILE).exists():
        committed = write_offsets(settings, json.loads((folder / OFFSETS_FILE).read_text()))
    return {"redis_keys": n, "files": len(copies), "offsets": committed, "created_at": manifest["created_at"]}


# -- the commands (registered in sciday/cli.py) --------------------------------------------------
def _backup_once(args: Any, settings: Any, redis: Any, dest: Path) -> None:
    folder = backup(settings, redis, dest, offsets=not args.no_offsets)
    manifest = json.loads((folder / MANIFEST).read_text())
    gone = prune(dest, args.keep or settings.backups_kept)
    print(f"backup {folder}: {manifest['redis_keys']} Redis keys, {len(manifest['files'])} files", flush=True)
    if "offsets_error" in manifest:
        print(f"sciday backup: no consumer offsets ({manifest['offsets_error']})", file=sys.stderr)
    if gone:
        print(f"removed {len(gone)} older backups")


def cmd_backup(args: Any) -> int:
    from sciday.cli import _settings
    from shared.redis_scripts import connect_as

    settings = _settings(args)
    dest = Path(args.to or settings.backup_dir)
    redis = connect_as(settings)
    if not args.repeat:
        _backup_once(args, settings, redis, dest)
        return 0
    from shared import periodic, worker

    stop = periodic.stop_on_signals()
    worker.serve(settings, redis)  # /healthz and /metrics as every worker (SCIDAY_WORKER_METRICS_PORT)
    # docker-compose's backup service: a scheduler of one pass
    periodic.every(
        "backup",
        settings.backup_interval_s,
        lambda: _backup_once(args, settings, redis, dest),
        stop,
        settings,
    )
    return 0


def cmd_restore(args: Any) -> int:
    from sciday.cli import _settings
    from shared.redis_scripts import connect_as

    settings = _settings(args)
    try:
        done = restore(
            settings, connect_as(settings), Path(args.folder), replace=args.replace, offsets=args.offsets
        )
    except (RestoreRefused, FileNotFoundError) as exc:
        print(f"sciday restore: {exc}", file=sys.stderr)
        return 1
    print(
        f"restored the backup of {done['created_at']}: {done['redis_keys']} Redis keys, {done['files']} "
        f"key and secret files, {done['offsets']} consumer offsets. Next: sciday rebuild checkin"
    )
    return 0


def register(sub: Any) -> None:
    """``sciday backup`` and ``sciday restore`` (one line in sciday/cli.py)."""
    bk = sub.add_parser("backup", help="back up Redis, the keys and secrets, and the consumer offsets")
    bk.add_argument("--to", help="the folder that holds the backups (default: SCIDAY_BACKUP_DIR)")
    bk.add_argument("--keep", type=int, help="backups kept there (default: SCIDAY_BACKUPS_KEPT)")
    bk.add_argument("--no-offsets", action="store_true", help="do not read the consumer offsets")
    bk.add_argument(
        "--repeat", action="store_true", help="again every SCIDAY_BACKUP_INTERVAL_S, until stopped"
    )
    bk.add_argument("--redis-url")
    bk.add_argument("--kafka")
    bk.set_defaults(func=cmd_backup)
    rs = sub.add_parser("restore", help="restore a backup (Redis, missing keys and secrets, offsets)")
    rs.add_argument("folder", help="one backup: <backup dir>/sciday-<time>")
    rs.add_argument("--replace", action="store_true", help="overwrite keys and files that differ")
    rs.add_argument("--offsets", action="store_true", help="set the consumer groups back (consumers stopped)")
    rs.add_argument("--redis-url")
    rs.add_argument("--kafka")
    rs.set_defaults(func=cmd_restore)
