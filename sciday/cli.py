"""The `sciday` command: `up`, `token create`, `topics`, `seed`, `keys create`, `rebuild`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sciday import dlq, lag, status, tokens, up
from shared.config import Settings, load, use_timezone


def _settings(args: argparse.Namespace) -> Settings:
    over: dict[str, object] = {}
    if getattr(args, "redis_url", None):
        over["redis_url"] = args.redis_url
    if getattr(args, "kafka", None):
        over["kafka_bootstrap_servers"] = args.kafka
    settings = load(over)
    # After `make run`, the operator's commands (token create, seed) act as sciday-admin with the
    # password `sciday up` made (sciday/credentials.py), unless a Redis user is set.
    admin = settings.var_dir / "secrets" / "redis-sciday-admin.password"
    if not settings.redis_username and admin.exists():
        settings = settings.with_overrides(
            redis_username="sciday-admin", redis_password=admin.read_text().strip()
        )
    # ... and log in to the broker as its admin (PLAIN, sciday/kafka_broker.py), as `sciday up` does.
    kafka_admin = settings.var_dir / "secrets" / "kafka-sciday-admin.password"
    if not settings.kafka_username and kafka_admin.exists():
        settings = settings.with_overrides(
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_mechanism="PLAIN",
            kafka_username="sciday-admin",
            kafka_password=kafka_admin.read_text().strip(),
        )
    use_timezone(settings.timezone)
    return settings


def cmd_topics(args) -> int:
    from shared import topics
    from shared.kafka import security

    if args.action == "markdown":
        sys.stdout.write(topics.markdown())
        return 0
    settings = _settings(args)
    created = topics.ensure_topics(
        settings.kafka_bootstrap_servers,
        settings.topic_prefix,
        client_config=security(settings),
        set_existing=True,  # the retention of shared/topics.py on topics made before it too
    )
    print(f"created {len(created)} topics: {', '.join(created) or '-'}")
    return 0


def cmd_seed(args) -> int:
    from sciday import catalogue
    from services.registration.lottery.store import LotteryStore
    from services.registration.seats.store import SeatStore
    from shared.redis_scripts import connect_as

    settings = _settings(args)
    redis = connect_as(settings)
    lotteries = LotteryStore(redis, settings)
    created, existing = catalogue.seed(
        SeatStore(redis, settings),
        catalogue.load_file(Path(args.file)),
        lotteries,
        groups=catalogue.group_engine(settings, redis, lotteries),
    )
    print(f"{created} activities created, {existing} already there")
    return 0


def cmd_keys_create(args) -> int:
    from shared.tickets import KeyRing

    ring = KeyRing.load_or_create(Path(args.dir))
    print(f"signing key {ring.signing_kid} in {args.dir}")
    return 0


def cmd_rebuild(args) -> int:
    from sciday.rebuild import rebuild
    from shared.redis_scripts import connect_as

    settings = _settings(args)
    result = rebuild(args.service, settings, connect_as(settings), batch=args.batch)
    print(
        f"rebuilt {args.service} from {result.read:,} events in {result.seconds:.1f}s "
        f"({result.rate:,.0f} events/s): {result.applied:,} applied, {result.skipped:,} older than the "
        f"state stored meanwhile, {result.poison:,} poison left to the DLQ"
    )
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sciday", description="Free registration and QR check-in for science festivals"
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    env = load()  # the defaults below are the settings' (SCIDAY_* or the declared defaults)

    up.register(sub, env)  # sciday up

    tok = sub.add_parser("token", help="staff and organizer tokens")
    tok_sub = tok.add_subparsers(dest="action", required=True)
    tc = tok_sub.add_parser("create", help="create a token and print it once")
    tc.add_argument("--role", required=True, choices=["steward", "supervisor", "organizer"])
    tc.add_argument("--venue", help="venue id (stewards and supervisors)")
    tc.add_argument("--name", required=True, help="a label, e.g. the person's name or gate")
    tc.add_argument(
        "--gate", action="append", help="bind the token to this gate (repeat for more); default: any gate"
    )
    tc.add_argument("--redis-url")
    tokens.register(tok_sub, tc)  # create (venue checked, expiry), list, revoke (issue 24)

    tp = sub.add_parser("topics", help="create the registered topics, or print them as Markdown")
    tp.add_argument("action", choices=["create", "markdown"])
    tp.add_argument("--kafka")
    tp.set_defaults(func=cmd_topics)

    sd = sub.add_parser("seed", help="load the demo catalogue (idempotent)")
    sd.add_argument("--file", default="data/catalogue.yaml")
    sd.add_argument("--redis-url")
    sd.set_defaults(func=cmd_seed)

    rb = sub.add_parser(
        "rebuild", help="rebuild a service's state from the log (idempotent; safe while it runs)"
    )
    rb.add_argument("service", choices=["checkin", "notify"])
    rb.add_argument("--redis-url")
    rb.add_argument("--kafka", help="bootstrap servers")
    rb.add_argument("--batch", type=up.at_least_one, default=2000, help="events per batch")
    rb.set_defaults(func=cmd_rebuild)

    ky = sub.add_parser("keys", help="ticket signing keys")
    ky_sub = ky.add_subparsers(dest="action", required=True)
    kc = ky_sub.add_parser("create", help="make a signing key if the folder has none")
    kc.add_argument("--dir", default=str(env.keys_dir))
    kc.set_defaults(func=cmd_keys_create)
    status.register(sub, str(env.var_dir))  # status, down (issue 24)
    dlq.register(sub)  # dlq, parked: list and replay (issue 24)
    lag.register(sub)  # consumer groups' and relays' lag (issue 24)
    __import__("sciday.backup").backup.register(sub)  # sciday backup, sciday restore
    __import__("sciday.continuity").continuity.register(sub)  # sciday state check
    return p


def main(argv: list[str] | None = None) -> int:
    from sciday.errors import one_line

    args = parser().parse_args(argv)
    with one_line(f"sciday {args.cmd}") as failed:
        return int(args.func(args))
    # one_line swallows the failure it reports; mypy reads a @contextmanager as never swallowing.
    return failed.status  # type: ignore[unreachable]


if __name__ == "__main__":
    sys.exit(main())
