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
import time
from pathlib import Path

from sciday import embedded, kafka_broker, lifeline, logfiles
from sciday.stack_plan import (
    PORT_STEP,
    STANDINS_ENV,
    Child,
    StackOptions,
    instance_name,
    instance_port,
    standin_children,
    web_children,
    worker_children,
)
from sciday.stack_status import StackStatus
from shared.config import Settings

__all__ = ["PORT_STEP", "STANDINS_ENV", "Child", "Stack", "StackOptions", "instance_name", "instance_port"]


class Stack(StackStatus):
    def _plan(self) -> list[Child]:
        if self.opts.scale < 1:
            raise ValueError(f"--scale must be 1 or more, not {self.opts.scale}")
        ports = self.standin_ports()
        return standin_children(*ports) + web_children(self.opts, self.var) + worker_children(self.opts)

    # -- start -------------------------------------------------------------------------------

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
            self._start_redis()
        if not self.opts.kafka:
            self.start_broker()
        settings = self._make_topics()
        self.check_continuity(settings)
        from shared.tickets import KeyRing

        KeyRing.load_or_create(self.var / "keys")
        for c in self._plan():
            self.children.append(c)
            self._spawn(c)

    def _start_redis(self) -> None:
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

    def _make_topics(self) -> Settings:
        """The topics (and the broker's users), as the children will see them."""
        from shared.kafka import security
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
        return settings

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
