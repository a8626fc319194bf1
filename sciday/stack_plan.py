"""What `sciday up` starts: its options, the children and their ports (``sciday.stack`` starts
and supervises them; it re-exports these names)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sciday import embedded
from sciday.gunicorn_worker import WORKER_CLASS
from shared.config import Settings


@dataclass
class Child:
    name: str
    args: list[str]
    url: str = ""
    health: str = ""
    proc: subprocess.Popen | None = None
    restarts: int = 0
    next_start: float = 0.0
    env: dict = field(default_factory=dict)
    # A local stand-in for an outside service (SMS gateway, mailbox): stopped after the workers.
    sink: bool = False
    # The relay, consumers and schedulers: work that may wait while people wait for an answer.
    background: bool = False


# The local stand-ins (standins/) live in the checkout, outside the installed package and the
# image (issue 16): their processes find them on the checkout's path.
STANDINS_ENV = {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}


def _standin(name: str, args: list[str], http_port: int) -> Child:
    """A local stand-in (``python -m <args> <http_port>``), its page and health on that port."""
    url = f"http://127.0.0.1:{http_port}"
    return Child(
        name,
        [sys.executable, "-m", *args, str(http_port)],
        url=url,
        health=f"{url}/healthz",
        env=STANDINS_ENV,
        sink=True,
    )


@dataclass
class StackOptions:
    var_dir: Path = Path("var")
    redis_url: str | None = None
    kafka: str | None = None
    redis_port: int = 6379
    kafka_port: int = 9092
    # "auto" (Apache Kafka if Java 17+ and Maven are here, else Tansu), "kafka" or "tansu".
    broker: str = "auto"
    kafka_heap: str = "256m"
    registration_port: int = 8001
    checkin_port: int = 8002
    notify_port: int = 8003
    # gthread that gives a thread only to a request that has arrived (issue 23 §3); gthread itself
    # was measured against sync and gevent in bench/README.md.
    # Defaults: the settings sciday/gunicorn_conf.py reads (shared/config.py web_*), one source.
    worker_class: str = WORKER_CLASS
    workers: int = Settings.web_workers
    threads: int = Settings.web_threads
    seed: bool = True
    catalogue: Path = Path("data/catalogue.yaml")
    extra_env: dict = field(default_factory=dict)
    # The local SMS gateway and mailbox notify sends to (None: a free port).
    sms_gateway_port: int | None = None
    smtp_port: int | None = None
    mailbox_port: int | None = None
    # The local real-name authority registration checks members against (issue 23; None: free).
    realname_port: int | None = None
    # The local drand relay the registration's recorded beacon replays from (issue 27; None: free).
    beacon_port: int | None = None
    # `sciday up --scale N`: N instances of each web service and N consumers in each group.
    scale: int = 1
    # `sciday up --background-nice N` (10 there; 0 here, for the tests' stacks): the relay, the
    # consumers and the schedulers run at this nice level, so on a busy machine the web workers
    # answer first and the pipeline catches up after (issue 18; bench/README.md).
    background_nice: int = 0
    # Least privilege (sciday/credentials.py), on in `sciday up` (`make run`): the Redis this
    # starts has one ACL user per service and the default user off, passwords in <var>/secrets;
    # an outside Redis (redis_url) is used as it is.  Off here so that drills and benches that
    # start their own servers and connect as the default user keep working.
    redis_acl: bool = False
    # The Apache Kafka this starts takes SASL only: one SCRAM user per service, with ACLs.
    kafka_sasl: bool = False
    # Issue 24: every child gets SIGTERM when the supervisor dies (sciday/lifeline.py).
    tie_children: bool = True
    # The start-up check (sciday/continuity.py): forced past an empty Redis with history, or
    # past lost keys (new keys with new ids).
    accept_empty_redis: bool = False
    new_keys: bool = False
    restore_from: Path | None = None  # `sciday up --restore`: a backup put back before the check


# With --scale N, instance k (0-based) of a web service listens on its base port + 10*k:
# registration 8001, 8011, 8021...; checkin 8002, 8012...; notify 8003, 8013...
PORT_STEP = 10


def instance_port(base: int, k: int) -> int:
    return base + PORT_STEP * k


def instance_name(name: str, k: int, scale: int) -> str:
    """``registration`` alone; ``registration-1``, ``registration-2``... when scaled."""
    return name if scale == 1 else f"{name}-{k + 1}"


def standin_children(
    sms_gateway_port: int, smtp_port: int, mailbox_port: int, realname_port: int, beacon_port: int
) -> list[Child]:
    """The local stand-ins for the SMS gateway, the mailbox, the real-name authority and drand."""
    return [
        _standin("sms-gateway", ["standins.sms_gateway", "--port"], sms_gateway_port),
        _standin(
            "mailbox",
            ["standins.mailbox", "--smtp-port", str(smtp_port), "--http-port"],
            mailbox_port,
        ),
        _standin("realname", ["standins.realname", "--port"], realname_port),
        _standin("beacon", ["standins.beacon", "--port"], beacon_port),
    ]


def web_children(o: StackOptions, var: Path) -> list[Child]:
    """``scale`` gunicorn instances of each web service, instance k on its base port + 10*k."""
    kids = []
    for service, base in (
        ("registration", o.registration_port),
        ("checkin", o.checkin_port),
        ("notify", o.notify_port),
    ):
        for k in range(o.scale):
            name, port = instance_name(service, k, o.scale), instance_port(base, k)
            kids.append(_web_child(o, var, service, name, port))
    return kids


def _web_child(o: StackOptions, var: Path, service: str, name: str, port: int) -> Child:
    return Child(
        name=name,
        url=f"http://127.0.0.1:{port}",
        health=f"http://127.0.0.1:{port}/healthz",
        args=[
            sys.executable,
            "-m",
            "gunicorn",
            f"services.{service}.app:create_app()",
            "--config",
            "python:sciday.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--name",
            f"sciday-{name}",
        ],
        # class, counts, time-outs: sciday/gunicorn_conf.py, from these settings
        env={
            "PROMETHEUS_MULTIPROC_DIR": str(var / "prometheus" / name),
            "SCIDAY_WEB_WORKER_CLASS": o.worker_class,
            "SCIDAY_WEB_WORKERS": str(o.workers),
            "SCIDAY_WEB_THREADS": str(o.threads),
        },
    )


def worker_children(o: StackOptions) -> list[Child]:
    """The relay, the schedulers and ``scale`` members of each consumer group."""
    py = sys.executable
    # One relay whatever the scale: it follows one cursor over the one outbox stream, and a
    # second would send every event twice (consumers dedupe, but it is wasted work).
    kids = [Child("relay", [py, "-m", "services.registration.relay"], background=True)]
    # Draws lotteries at their set time; more than one would also draw once (the lease).
    kids.append(
        Child("lottery-scheduler", [py, "-m", "services.registration.lottery.scheduler"], background=True)
    )
    # Erases personal fields N days after each activity (issue 16); more than one is harmless.
    kids.append(Child("retention", [py, "-m", "services.registration.privacy.retention"], background=True))
    # Issue 15 §3: releases unscanned seats at start + grace and calls standby numbers; more
    # than one would still release once and give each seat once (the Lua steps).
    kids.append(Child("standby-scheduler", [py, "-m", "services.checkin.standby.scheduler"], background=True))
    # N members in each consumer group: Kafka shares the partitions among them.
    for name, module in (
        ("checkin-consumer", "services.checkin.consumer"),
        ("notify-consumer", "services.notify.consumer"),
        ("noshow-worker", "services.registration.noshow.worker"),  # issue 15 §2: consumer + sweep
    ):
        for k in range(o.scale):
            kids.append(Child(instance_name(name, k, o.scale), [py, "-m", module], background=True))
    # Issue 24: each worker's /metrics and liveness /healthz (shared/worker.py) on a port of its own.
    for c in kids:
        if c.background:
            c.env["SCIDAY_WORKER_METRICS_PORT"] = str(embedded.free_port())
    return kids
