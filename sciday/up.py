"""`sciday up`: start the whole system (sciday/stack.py), seed the demo catalogue, say where
everything is, supervise until Ctrl-C, then stop in order."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.config import Settings

if TYPE_CHECKING:
    from sciday.stack import Stack, StackOptions


def at_least_one(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {n}")
    return n


def register(sub: Any, env: Settings) -> None:
    """``sciday up`` (one line in sciday/cli.py)."""
    up = sub.add_parser("up", help="start the whole system (embedded Redis and Kafka broker by default)")
    up.add_argument("--var-dir", default=str(env.var_dir))
    up.add_argument("--redis-url", help="use this Redis instead of starting one")
    up.add_argument("--kafka", help="use these Kafka bootstrap servers instead of starting a broker")
    up.add_argument(
        "--broker",
        choices=["auto", "kafka", "tansu"],
        default=os.environ.get("SCIDAY_BROKER", "auto"),
        help="the embedded broker: Apache Kafka (needs Java 17+ and Maven; its log is kept in "
        "var/kafka), Tansu (pip only, memory only), or auto: Kafka when it can run, else Tansu",
    )
    up.add_argument("--kafka-heap", default="256m", help="the Apache Kafka JVM's heap (-Xmx and -Xms)")
    up.add_argument("--redis-port", type=int, default=6379)
    up.add_argument("--kafka-port", type=int, default=9092)
    up.add_argument("--registration-port", type=int, default=env.registration_port)
    up.add_argument("--checkin-port", type=int, default=env.checkin_port)
    up.add_argument("--notify-port", type=int, default=env.notify_port)
    up.add_argument("--sms-gateway-port", type=int, default=8004, help="the local SMS gateway")
    up.add_argument("--smtp-port", type=int, default=1025, help="the local mailbox's SMTP server")
    up.add_argument("--mailbox-port", type=int, default=8005, help="the local mailbox's page")
    up.add_argument("--realname-port", type=int, default=8006, help="the local real-name authority")
    up.add_argument("--beacon-port", type=int, default=8007, help="the local drand relay (recorded rounds)")
    up.add_argument(
        "--scale",
        type=at_least_one,
        default=1,
        metavar="N",
        help="N instances of each web service (instance k on its port + 10*k) and N consumers "
        "in each group; one relay (docs/scaling.md)",
    )
    up.add_argument(
        "--background-nice",
        type=int,
        default=10,
        metavar="N",
        help="nice level of the relay, consumers and schedulers: on a busy machine the web "
        "workers answer first and the pipeline catches up after (0: same priority)",
    )
    up.add_argument("--workers", type=int, default=Settings.web_workers)
    up.add_argument("--threads", type=int, default=Settings.web_threads)
    up.add_argument("--catalogue", default="data/catalogue.yaml")
    up.add_argument("--no-seed", action="store_true")
    _state_arguments(up)
    up.set_defaults(func=cmd_up)


def _state_arguments(up: argparse.ArgumentParser) -> None:
    """Credentials, and what to do about lost state (sciday/continuity.py)."""
    up.add_argument(
        "--no-credentials",
        action="store_true",
        help="start Redis without ACL users and Apache Kafka without SASL/SCRAM (by default each "
        "service has its own user, passwords in var/secrets; docs/privacy.md)",
    )
    up.add_argument(
        "--accept-empty-redis",
        action="store_true",
        help="start although Redis is empty while the keys or the topics show history: the "
        "catalogue is seeded again and every earlier registration is forgotten (restore a backup "
        "instead: sciday restore)",
    )
    up.add_argument(
        "--new-keys",
        action="store_true",
        help="start although keys that signed tickets or sealed records are lost: new keys are made "
        "with new ids, and what the lost keys signed or sealed stays invalid",
    )
    up.add_argument(
        "--restore",
        metavar="BACKUP",
        help="restore this backup (sciday backup) into the empty Redis before any service starts",
    )


def cmd_up(args) -> int:
    from sciday import embedded
    from sciday.stack import Stack

    opts = _options(args)
    stack = Stack(opts)
    stop_requested = []

    def _on_signal(signum, _frame):
        stop_requested.append(signum)

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        stack.start()
        if not stack.wait_healthy(timeout=90):
            print("some services did not become healthy:\n" + stack.status_table(), file=sys.stderr)
            stack.stop()
            return 1
        settings = stack.settings()
        stack.check_continuity(settings)  # records the keys the services made (sciday/continuity.py)
        token = _demo_organizer_token(settings, stack.var)
        if opts.seed:
            _seed(settings, opts.catalogue)
    except (embedded.PortTaken, embedded.MissingBinary, RuntimeError, TimeoutError, OSError) as exc:
        print(f"sciday up: {exc}", file=sys.stderr)
        stack.stop()
        return 1
    _welcome(stack, opts, token)
    try:
        while not stop_requested:
            stack.supervise_once()
            time.sleep(0.5)
    finally:
        print("\nstopping…", flush=True)
        stack.stop()
        print("stopped cleanly", flush=True)
    return 0


def _options(args: argparse.Namespace) -> StackOptions:
    from sciday.stack import StackOptions

    return StackOptions(
        var_dir=Path(args.var_dir),
        redis_url=args.redis_url,
        kafka=args.kafka,
        redis_port=args.redis_port,
        kafka_port=args.kafka_port,
        broker=args.broker,
        kafka_heap=args.kafka_heap,
        registration_port=args.registration_port,
        checkin_port=args.checkin_port,
        notify_port=args.notify_port,
        workers=args.workers,
        threads=args.threads,
        seed=not args.no_seed,
        catalogue=Path(args.catalogue),
        sms_gateway_port=args.sms_gateway_port,
        smtp_port=args.smtp_port,
        mailbox_port=args.mailbox_port,
        realname_port=args.realname_port,
        beacon_port=args.beacon_port,
        scale=args.scale,
        background_nice=args.background_nice,
        redis_acl=not args.no_credentials,
        kafka_sasl=not args.no_credentials,
        accept_empty_redis=args.accept_empty_redis,
        new_keys=args.new_keys,
        restore_from=Path(args.restore) if args.restore else None,
    )


def _seed(settings: Settings, catalogue_file: Path) -> None:
    """The demo catalogue (idempotent)."""
    from sciday import catalogue
    from services.registration.lottery.store import LotteryStore
    from services.registration.seats.store import SeatStore
    from shared.redis_scripts import connect_as

    redis = connect_as(settings)
    lotteries = LotteryStore(redis, settings)
    created, existing = catalogue.seed(
        SeatStore(redis, settings),
        catalogue.load_file(catalogue_file),
        lotteries,
        groups=catalogue.group_engine(settings, redis, lotteries),
    )
    print(f"demo catalogue: {created} activities created, {existing} already there")


def _welcome(stack: Stack, opts: StackOptions, token: str) -> None:
    """The status table and where everything is."""
    r, c, n = (f"http://127.0.0.1:{p}" for p in (opts.registration_port, opts.checkin_port, opts.notify_port))
    print("\nall healthy\n" + stack.status_table())
    if opts.scale > 1:
        print(
            f"\n--scale {opts.scale}: instance k of each web service listens on its port + 10*k (see the "
            "table); the addresses below are the first instances."
        )
    print(
        f"""
Pages (Chinese first; ?lang=en for English)
  activities (register)   {r}/
  scanner (staff)         {c}/scan
  organizer: activities   {r}/organizer
  live dashboard          {c}/dashboard
  festival summary        {c}/summary
APIs (OpenAPI at /openapi.json on each)
  registration            {r}/api/v1/activities
  check-in                {c}/api/v1/checkins
  notify                  {n}/api/v1/notifications
  ticket keys             {r}/api/v1/keys
What notify sent (local stand-ins; nothing leaves this machine)
  SMS gateway             http://127.0.0.1:{stack.sms_gateway_port}/
  mailbox                 http://127.0.0.1:{stack.mailbox_port}/   (SMTP on 127.0.0.1:{stack.smtp_port})
  real-name check         http://127.0.0.1:{stack.realname_port}/   (the people it knows, what it was asked)
  drand beacon            http://127.0.0.1:{stack.beacon_port}/   (recorded rounds, which were asked)
Demo organizer token (also in {stack.var / "demo-organizer.token"}):
  {token}
Logs in {stack.logs}.  Press Ctrl-C to stop.""",
        flush=True,
    )


def _demo_organizer_token(settings, var: Path) -> str:
    from shared.auth import create_token, lookup
    from shared.redis_scripts import connect_as

    redis = connect_as(settings)
    path = var / "demo-organizer.token"
    if path.exists():
        token = path.read_text().strip()
        if lookup(redis, settings.redis_prefix, token):
            return token
    token = create_token(redis, settings.redis_prefix, "organizer", "demo organizer")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    return token
