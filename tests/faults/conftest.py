"""Fault drills: each drill gets a whole stack of its own (its own redis-server and broker, since
some drills restart them), runs a registration rush, breaks something, and checks the promises."""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from sciday import embedded
from sciday.stack import Stack, StackOptions
from services.checkin.projection import Projection
from services.registration.store import SeatStore
from shared.auth import create_token
from shared.redis_scripts import connect
from tests.conftest import ROOT, activity_doc, wait_for

DRILL_ENV = {
    "SCIDAY_KAFKA_SESSION_TIMEOUT_MS": "2000",
    "SCIDAY_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
    "SCIDAY_KAFKA_FETCH_MAX_WAIT_MS": "50",
    "SCIDAY_RATE_LIMIT_IP_PER_MIN": "0",
    "SCIDAY_RATE_LIMIT_PHONE_PER_MIN": "0",
    "SCIDAY_REQUIRE_VERIFIED_PHONE": "0",  # suites from before verified phones (issue 14)
    "SCIDAY_NOTIFY_SMS_PER_S": "400",
    "SCIDAY_NOTIFY_EMAIL_PER_S": "400",
}


class Supervisor(threading.Thread):
    """Restarts dead children the way `sciday up` does while a drill runs."""

    def __init__(self, stack):
        super().__init__(daemon=True)
        self.stack, self.stopped = stack, threading.Event()

    def run(self):
        while not self.stopped.is_set():
            self.stack.supervise_once()
            time.sleep(0.1)


@pytest.fixture
def drill(tmp_path):
    opts = StackOptions(
        var_dir=tmp_path / "var",
        redis_port=embedded.free_port(),
        kafka_port=embedded.free_port(),
        registration_port=embedded.free_port(),
        checkin_port=embedded.free_port(),
        notify_port=embedded.free_port(),
        workers=2,
        threads=4,
        seed=False,
        extra_env=DRILL_ENV,
    )
    stack = Stack(opts, out=open(tmp_path / "stack.out", "w"))
    stack.start()
    sup = Supervisor(stack)
    try:
        assert stack.wait_healthy(90), stack.status_table()
        sup.start()
        yield Drill(stack)
    finally:
        sup.stopped.set()
        sup.join(2)
        stack.stop()


@dataclass
class Rush:
    statuses: dict = field(default_factory=dict)
    created: dict = field(default_factory=dict)  # registration id -> (phone, party)
    errors: list = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def count(self, code) -> int:
        return self.statuses.get(code, 0)


class Drill:
    def __init__(self, stack):
        self.stack = stack
        self.settings = stack.settings()
        self.redis = connect(self.settings.redis_url)
        self.reg = f"http://127.0.0.1:{stack.opts.registration_port}"
        self.org = {
            "Authorization": "Bearer "
            + create_token(self.redis, self.settings.redis_prefix, "organizer", "drill")
        }

    def child(self, name):
        return next(c for c in self.stack.children if c.name == name)

    def activity(self, aid="drill", capacity=150):
        r = requests.post(
            f"{self.reg}/api/v1/activities",
            headers=self.org,
            timeout=10,
            json=activity_doc(
                aid, capacity=capacity, audience="public", waitlist={"enabled": False, "max_length": 0}
            ),
        )
        assert r.status_code == 201, r.text

    def rush(self, aid="drill", attempts=600, threads=24, pace_s=0.0, seed=1) -> Rush:
        """Start a rush in the background; returns at once. `pace_s` spaces each thread's attempts."""
        rng = random.Random(seed)
        plan = [(f"1{5_500_000_000 + i:010d}", rng.randint(1, 4)) for i in range(attempts)]
        out = Rush()
        lock = threading.Lock()

        def attempt(item):
            phone, party = item
            try:
                r = requests.post(
                    f"{self.reg}/api/v1/activities/{aid}/registrations",
                    timeout=30,
                    json={"name": "演练", "phone": phone, "party_size": party},
                )
                code = r.status_code
                body = r.json()
            except (requests.RequestException, ValueError) as exc:
                code, body = "connection_error", {"error": str(exc)[:200]}
            with lock:
                out.statuses[code] = out.statuses.get(code, 0) + 1
                if code == 201:
                    out.created[body["registration_id"]] = (phone, party)
                elif code not in (409, 503, "connection_error"):
                    out.errors.append((code, body))
            if pace_s:
                time.sleep(pace_s)

        def run():
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(attempt, plan))
            out.done.set()

        threading.Thread(target=run, daemon=True).start()
        return out

    def confirmed(self, aid="drill") -> list[dict]:
        return [
            g for g in SeatStore(self.redis, self.settings).registrations(aid) if g["status"] == "confirmed"
        ]

    def gateway_messages(self) -> list[dict]:
        gw = self.child("sms-gateway")
        return requests.get(f"{gw.url}/api/v1/sms", timeout=5).json()["messages"]

    def check_promises(self, rush: Rush, aid="drill", capacity=150, name="drill") -> dict:
        """After recovery: no 201 lost, seats exact, one notification and one projection entry each."""
        assert rush.done.wait(120), "the rush did not finish"
        assert not rush.errors, rush.errors[:5]  # no 5xx, no unexpected answers
        store = SeatStore(self.redis, self.settings)
        doc, counts = store.get_activity(aid)
        confirmed = self.confirmed(aid)
        ids = {g["registration_id"] for g in confirmed}
        lost = [rid for rid in rush.created if rid not in ids]
        assert not lost, f"{len(lost)} registrations that got a 201 are gone"
        people = sum(g["party_size"] for g in confirmed)
        assert people == int(counts["taken"]) <= capacity

        phones = {g["phone"] for g in confirmed}

        def sms_by_phone():
            per = {}
            for m in self.gateway_messages():
                if m["phone"] in phones:
                    per[m["phone"]] = per.get(m["phone"], 0) + 1
            return per

        per = wait_for(
            lambda: (lambda p: len(p) == len(phones) and p)(sms_by_phone()),
            timeout=90,
            what=f"one confirmation SMS for each of {len(phones)} confirmed registrations",
        )
        time.sleep(1.0)  # a duplicate would arrive right behind the first copy
        per = sms_by_phone()
        duplicated = {p: n for p, n in per.items() if n != 1}
        assert not duplicated, f"{len(duplicated)} people got more than one confirmation"

        proj = Projection(self.redis, self.settings.redis_prefix)
        wait_for(
            lambda: all(proj.registration(aid, rid) for rid in ids),
            timeout=60,
            what="the check-in projection",
        )
        entries = self.redis.hlen(proj.regs_key(aid))
        assert entries == len(confirmed)
        figures = {
            "drill": name,
            "attempted": sum(rush.statuses.values()),
            "answers": {str(k): v for k, v in rush.statuses.items()},
            "got_201": len(rush.created),
            "confirmed_in_redis": len(confirmed),
            "seats_taken": people,
            "capacity": capacity,
            "lost": len(lost),
            "duplicated_notifications": len(duplicated),
            "projection_entries": entries,
        }
        out = ROOT / "var" / "faults"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(figures, indent=2))
        print(f"\n{name}: {figures}")
        return figures
