"""The supervisor's configuration: what each child is given (environment, credentials, ports).

``sciday.stack.Stack`` builds on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sciday import embedded, kafka_broker, lifeline
from sciday.stack_plan import (
    Child,
    StackOptions,
    instance_port,
    standin_children,
    web_children,
    worker_children,
)
from shared.config import Settings


class StackConfig:
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
        self.beacon_port = opts.beacon_port or embedded.free_port()
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
                # a v2 draw's beacon: recorded quicknet rounds from the local relay (issue 27)
                "SCIDAY_BEACON_SOURCE": "recorded",
                "SCIDAY_BEACON_RECORDED_URL": f"http://127.0.0.1:{self.beacon_port}",
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
        if self.opts.scale < 1:
            raise ValueError(f"--scale must be 1 or more, not {self.opts.scale}")
        return (
            standin_children(*self.standin_ports())
            + web_children(self.opts, self.var)
            + worker_children(self.opts)
        )

    def standin_ports(self) -> tuple[int, int, int, int, int]:
        """The stand-ins' ports, in standin_children's order."""
        return (
            self.sms_gateway_port,
            self.smtp_port,
            self.mailbox_port,
            self.realname_port,
            self.beacon_port,
        )

    def _preexec(self):
        return lifeline.tied() if self.opts.tie_children else None
