"""`sciday up`: the whole system as child processes of one supervisor.

Start order: redis-server, the broker (Apache Kafka in KRaft mode, its log under ``var/kafka``;
Tansu when Java 17 or Maven is missing, or with ``--broker tansu``), topics, keys, the local SMS gateway and mailbox (stand-ins for
the SMS provider and the SMTP server, which notify sends to) and the real-name authority
(registration checks members against it), the three gunicorn services, the
relay and the consumers; then health, the demo catalogue and a status table.  A child that dies
is started again (with backoff), as compose's ``restart: unless-stopped`` does in production.
Ctrl-C stops in reverse order: web services first (no new registrations), then the relay and
consumers (each finishes its record and commits), then the gateway and mailbox, then the broker,
and Redis last (it fsyncs its AOF).

``--scale N`` starts N instances of each web service (instance k on its base port + 10*k) and N
consumers in each group, still one relay; the status table lists every instance.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from sciday import embedded, kafka_broker, lifeline, logfiles
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


class Stack:
    def __init__(self, opts: StackOptions, out=sys.stdout):
        self.opts, self.out = opts, out
        self.var = Path(opts.var_dir).resolve()
        self.logs = self.var / "log"
        self.redis_proc: subprocess.Popen | None = None
        self.kafka_proc: subprocess.Popen | None = None
        self.broker = ""  # "kafka" or "tansu" once started; "" for an outside broker (--kafka)
        self.kafka_cluster: kafka_broker.KafkaCluster | None = None
        self.children: list[Child] = []
        self.stopping = False
        self.sms_gateway_port = opts.sms_gateway_port or embedded.free_port()
        self.smtp_port = opts.smtp_port or embedded.free_port()
        self.mailbox_port = opts.mailbox_port or embedded.free_port()
        self.realname_port = opts.realname_port or embedded.free_port()
        self.secrets = self.var / "secrets"
        self.redis_users = False  # True once the Redis started here has its ACL users
        self.kafka_users = False  # True once the broker started here takes SCRAM users only
        self.log_limits = (0, 0)  # log_max_bytes, log_backups once started (sciday/logfiles.py)

    def say(self, msg: str) -> None:
        print(msg, file=self.out, flush=True)

    # -- configuration ------------------------------------------------------------------------
    @property
    def redis_url(self) -> str:
        return self.opts.redis_url or f"redis://127.0.0.1:{self.opts.redis_port}/0"

    @property
    def kafka(self) -> str:
        return self.opts.kafka or f"127.0.0.1:{self.opts.kafka_port}"

    def env(self) -> dict:
        o = self.opts
        env = dict(os.environ)
        # Client settings chosen for the broker; the caller's environment and extra_env still win.
        for k, v in embedded.CLIENT_ENV.get(self.broker, {}).items():
            env.setdefault(k, v)
        env.update(
            {
                "REDIS_URL": self.redis_url,
                "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
                "SCIDAY_VAR_DIR": str(self.var),
                "SCIDAY_KEYS_DIR": str(self.var / "keys"),
                "SCIDAY_REGISTRATION_PORT": str(o.registration_port),
                "SCIDAY_CHECKIN_PORT": str(o.checkin_port),
                "SCIDAY_NOTIFY_PORT": str(o.notify_port),
                "SCIDAY_PUBLIC_BASE_URL": f"http://127.0.0.1:{o.registration_port}",
                "PYTHONUNBUFFERED": "1",
                # notify sends to the local SMS gateway and mailbox started below
                "SCIDAY_SMS_GATEWAY_URL": f"http://127.0.0.1:{self.sms_gateway_port}/api/v1/sms",
                "SCIDAY_SMTP_HOST": "127.0.0.1",
                "SCIDAY_SMTP_PORT": str(self.smtp_port),
                # registration checks real-name members against the local stand-in (issue 23)
                "SCIDAY_REALNAME_URL": f"http://127.0.0.1:{self.realname_port}/api/v1/verify",
            }
        )
        env.update(o.extra_env)
        return env

    # -- credentials: each child connects as its service; set-up and the CLI as sciday-admin -----
    def credentials_env(self, user: str) -> dict:
        from sciday import credentials

        return credentials.service_env(self.secrets, user, redis=self.redis_users, kafka=self.kafka_users)

    def service_of(self, c: Child) -> str | None:
        """The service a child runs as (its Redis user); None for the local stand-ins."""
        if c.sink:
            return None
        if c.name.startswith(("relay", "lottery-scheduler", "retention", "noshow-worker")):
            return "registration"
        if c.name.startswith("standby-scheduler"):
            return "checkin"
        return c.name.split("-")[0]

    def settings(self) -> Settings:
        from sciday.credentials import ADMIN
        from shared.config import load

        saved = dict(os.environ)
        os.environ.update({**self.env(), **self.credentials_env(ADMIN)})
        try:
            return load()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def instance_urls(self, service: str) -> list[str]:
        """Base URLs of every instance of a web service (``registration``, ``checkin``, ``notify``)."""
        base = {
            "registration": self.opts.registration_port,
            "checkin": self.opts.checkin_port,
            "notify": self.opts.notify_port,
        }[service]
        return [f"http://127.0.0.1:{instance_port(base, k)}" for k in range(self.opts.scale)]

    def _plan(self) -> list[Child]:
        o, py = self.opts, sys.executable
        kids = [
            _standin("sms-gateway", ["standins.sms_gateway", "--port"], self.sms_gateway_port),
            _standin(
                "mailbox",
                ["standins.mailbox", "--smtp-port", str(self.smtp_port), "--http-port"],
                self.mailbox_port,
            ),
            _standin("realname", ["standins.realname", "--port"], self.realname_port),
        ]
        if o.scale < 1:
            raise ValueError(f"--scale must be 1 or more, not {o.scale}")
        for service, base in (
            ("registration", o.registration_port),
            ("checkin", o.checkin_port),
            ("notify", o.notify_port),
        ):
            for k in range(o.scale):
                name, port = instance_name(service, k, o.scale), instance_port(base, k)
                prom = self.var / "prometheus" / name
                kids.append(
                    Child(
                        name=name,
                        url=f"http://127.0.0.1:{port}",
                        health=f"http://127.0.0.1:{port}/healthz",
                        args=[
                            py,
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
                            "PROMETHEUS_MULTIPROC_DIR": str(prom),
                            "SCIDAY_WEB_WORKER_CLASS": o.worker_class,
                            "SCIDAY_WEB_WORKERS": str(o.workers),
                            "SCIDAY_WEB_THREADS": str(o.threads),
                        },
                    )
                )
        # One relay whatever the scale: it follows one cursor over the one outbox stream, and a
        # second would send every event twice (consumers dedupe, but it is wasted work).
        kids.append(Child("relay", [py, "-m", "services.registration.relay"], background=True))
        # Draws lotteries at their set time; more than one would also draw once (the lease).
        kids.append(
            Child("lottery-scheduler", [py, "-m", "services.registration.lottery.scheduler"], background=True)
        )
        # Erases personal fields N days after each activity (issue 16); more than one is harmless.
        kids.append(
            Child("retention", [py, "-m", "services.registration.privacy.retention"], background=True)
        )
        # Issue 15 §3: releases unscanned seats at start + grace and calls standby numbers; more
        # than one would still release once and give each seat once (the Lua steps).
        kids.append(
            Child("standby-scheduler", [py, "-m", "services.checkin.standby.scheduler"], background=True)
        )
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

    # -- start -------------------------------------------------------------------------------
    def _preexec(self):
        return lifeline.tied() if self.opts.tie_children else None

    def record(self) -> None:
        """The supervisor's pid and processes, for `sciday status` and `sciday down`."""
        rows = [
            {"name": name, "pid": proc.pid, "url": url, "health": ""}
            for name, url, proc in (
                ("redis-server", self.redis_url, self.redis_proc),
                ("kafka", f"kafka://{self.kafka}", self.kafka_proc),
            )
            if proc is not None
        ]
        rows += [
            {"name": c.name, "pid": c.proc.pid, "url": c.url, "health": c.health}
            for c in self.children
            if c.proc is not None
        ]
        lifeline.write_state(self.var, rows)

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        running = lifeline.read_pid(self.var)
        if running and running != os.getpid():
            raise RuntimeError(f"a stack is already running from {self.var} (pid {running}): sciday down")
        lifeline.write_pidfile(self.var)
        if self.opts.background_nice:
            self.say(
                f"relay, consumers and schedulers at nice +{self.opts.background_nice}: "
                "on a busy machine the web services answer first (--background-nice)"
            )
        for c in self._plan():
            if c.url:
                embedded.ensure_free(int(c.url.rsplit(":", 1)[1]), f"the {c.name} service")
        embedded.ensure_free(self.smtp_port, "the mailbox's SMTP server")
        if not self.opts.redis_url:
            self.say(
                f"starting redis-server on 127.0.0.1:{self.opts.redis_port} (AOF, appendfsync always, data in {self.var / 'redis'})"
            )
            acl = None
            if self.opts.redis_acl:
                from sciday.credentials import write_redis_acl

                acl = write_redis_acl(self.secrets, self.settings().redis_prefix)
                self.say(f"redis: one ACL user per service, default user off (passwords in {self.secrets})")
            self.redis_proc = embedded.start_redis(
                self.opts.redis_port,
                self.var / "redis",
                self.logs / "redis.log",
                acl_file=acl,
                preexec_fn=self._preexec(),
            )
            self.redis_users = acl is not None
        if not self.opts.kafka:
            self.start_broker()
        from shared.kafka import security
        from shared.tickets import KeyRing
        from shared.topics import ensure_topics

        env = self.env()  # replication as the children see it (SCIDAY_TOPIC_*), not this process
        settings = self.settings()
        self.log_limits = (settings.log_max_bytes, settings.log_backups)
        created = ensure_topics(
            self.kafka,
            settings.topic_prefix,
            replication_factor=env.get("SCIDAY_TOPIC_REPLICATION_FACTOR") or None,
            min_insync_replicas=env.get("SCIDAY_TOPIC_MIN_INSYNC_REPLICAS") or None,
            client_config=security(settings),
            set_existing=self.broker == "kafka",  # the retention on topics made before (issue 24)
        )
        self.say(f"topics ready ({len(created)} created)")
        if self.kafka_users:
            from sciday import credentials

            n = credentials.apply_kafka(
                self.kafka, credentials.ensure_passwords(self.secrets, "kafka"), settings.topic_prefix
            )
            self.say(f"kafka: one SCRAM user per service, {n} ACLs")
        self.check_continuity(settings)
        KeyRing.load_or_create(self.var / "keys")
        for c in self._plan():
            self.children.append(c)
            self._spawn(c)

    def check_continuity(self, settings: Settings) -> None:
        """Refuse to start on lost state (sciday/continuity.py), before any service runs."""
        from sciday import continuity
        from shared.redis_scripts import connect_as

        if self.opts.restore_from is not None:
            from sciday.backup import restore

            folder, self.opts.restore_from = self.opts.restore_from, None  # once, before the services
            done = restore(settings, connect_as(settings), folder)
            self.say(f"restored {folder}: {done['redis_keys']} Redis keys, {done['files']} files")
        for line in continuity.check(
            connect_as(settings),
            settings,
            self.var / "keys",
            events=lambda: continuity.kafka_history(settings),
            accept_empty=self.opts.accept_empty_redis,
            new_keys=self.opts.new_keys,
        ):
            self.say(line)

    def start_broker(self) -> None:
        o = self.opts
        self.broker = embedded.choose_broker(o.broker, self.say)
        if self.broker == "kafka":
            cluster = kafka_broker.KafkaCluster(
                self.var / "kafka",
                [o.kafka_port],
                heap=o.kafka_heap,
                log_path=self.logs / "kafka.log",
                say=self.say,
            )
            cluster.preexec_fn = self._preexec()
            if o.kafka_sasl:
                from sciday import credentials

                admin = credentials.ensure_passwords(self.secrets, "kafka")[credentials.ADMIN]
                cluster.sasl_admin = (credentials.ADMIN, admin)
            self.say(
                f"starting Apache Kafka {kafka_broker.KAFKA_VERSION} (KRaft, broker+controller, heap "
                f"{o.kafka_heap}, log in {cluster.home}) on 127.0.0.1:{o.kafka_port}"
            )
            t0 = time.monotonic()
            try:
                cluster.start()
            except BaseException:
                cluster.stop()
                raise
            self.kafka_cluster, self.kafka_proc = cluster, cluster.nodes[0].proc
            self.kafka_users = cluster.sasl_admin is not None
            self.say(f"Apache Kafka ready in {time.monotonic() - t0:.1f}s")
        else:
            self.say(f"starting Tansu (Kafka protocol, memory only) on 127.0.0.1:{o.kafka_port}")
            self.kafka_proc = embedded.start_tansu(o.kafka_port, self.logs / "tansu.log", self._preexec())

    def broker_label(self) -> str:
        if self.broker == "kafka":
            return f"kafka (Apache Kafka {kafka_broker.KAFKA_VERSION}, KRaft)"
        return f"tansu (Kafka protocol, {embedded.tansu_version()}, memory only)"

    def _spawn(self, c: Child) -> None:
        prom = c.env.get("PROMETHEUS_MULTIPROC_DIR")
        if prom:
            shutil.rmtree(prom, ignore_errors=True)
            Path(prom).mkdir(parents=True, exist_ok=True)
        log = open(self.logs / f"{c.name}.log", "ab")
        user = self.service_of(c)
        nice = self.opts.background_nice if c.background else 0
        c.proc = subprocess.Popen(
            c.args,
            env={**self.env(), **(self.credentials_env(user) if user else {}), **c.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=not self.opts.tie_children,
            preexec_fn=self._preexec(),
            cwd=str(Path.cwd()),
        )
        if nice:  # before it has done anything worth the name; its own children inherit it
            with contextlib.suppress(ProcessLookupError):  # relative to ours, as `nice -n` is
                os.setpriority(
                    os.PRIO_PROCESS, c.proc.pid, min(19, os.getpriority(os.PRIO_PROCESS, 0) + nice)
                )
        log.close()
        self.record()

    def wait_healthy(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        pending = [c for c in self.children if c.health]
        while pending and time.monotonic() < deadline:
            for c in list(pending):
                if self.health_of(c) == "healthy":
                    pending.remove(c)
                elif c.proc is not None and c.proc.poll() is not None:
                    raise RuntimeError(
                        f"{c.name} exited with {c.proc.returncode}; see {self.logs / (c.name + '.log')}"
                    )
            time.sleep(0.2)
        return not pending

    def health_of(self, c: Child) -> str:
        if c.proc is None or c.proc.poll() is not None:
            return "down"
        if not c.health:
            return "running"
        try:
            r = requests.get(c.health, timeout=2)
            return "healthy" if r.status_code == 200 else f"unhealthy ({r.json().get('reason')})"
        except (requests.RequestException, ValueError):
            return "starting"

    def status_table(self) -> str:
        rows = [("process", "url", "pid", "health")]
        if self.redis_proc:
            rows.append(
                (
                    "redis-server",
                    self.redis_url,
                    str(self.redis_proc.pid),
                    "running" if self.redis_proc.poll() is None else "down",
                )
            )
        if self.kafka_proc:
            rows.append(
                (
                    self.broker_label(),
                    f"kafka://{self.kafka}",
                    str(self.kafka_proc.pid),
                    "running" if self.kafka_proc.poll() is None else "down",
                )
            )
        for c in self.children:
            rows.append((c.name, c.url or "-", str(c.proc.pid if c.proc else "-"), self.health_of(c)))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in rows)

    # -- supervise ---------------------------------------------------------------------------
    def supervise_once(self) -> None:
        now = time.monotonic()
        logfiles.rotate_all(self.logs, *self.log_limits)
        for c in self.children:
            if c.proc is not None and c.proc.poll() is not None and not self.stopping:
                if c.next_start == 0.0:
                    delay = min(2**c.restarts, 30)
                    c.next_start = now + delay
                    self.say(f"{c.name} exited with {c.proc.returncode}; restarting in {delay}s")
                elif now >= c.next_start:
                    c.restarts += 1
                    c.next_start = 0.0
                    self._spawn(c)

    # -- stop --------------------------------------------------------------------------------
    def stop(self) -> None:
        self.stopping = True
        web = [c for c in self.children if c.url and not c.sink]
        workers = [c for c in self.children if not c.url]
        sinks = [c for c in self.children if c.sink]  # last: workers may finish a send on the way out
        for group in (web, workers, sinks):
            for c in group:
                if c.proc and c.proc.poll() is None:
                    c.proc.send_signal(signal.SIGTERM)
            for c in group:
                if c.proc:
                    try:
                        c.proc.wait(15)
                    except subprocess.TimeoutExpired:
                        c.proc.kill()
                        c.proc.wait(5)
                    self.say(f"stopped {c.name}")
        if self.kafka_cluster:
            self.kafka_cluster.stop()  # SIGTERM: a controlled shutdown, the log stays on disk
            self.say("stopped Apache Kafka")
        elif self.kafka_proc:
            embedded.stop(self.kafka_proc)
            self.say("stopped tansu")
        if self.redis_proc:
            embedded.stop(self.redis_proc)
            self.say("stopped redis-server")
        lifeline.clear(self.var)
