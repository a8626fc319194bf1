"""Health probes: Redis answers PING; the broker answers a Kafka ApiVersions request.

The broker probe speaks the Kafka protocol itself (one small request on a fresh socket), so a
web worker needs no Kafka client just to report health.  Results are cached for one second.
"""

from __future__ import annotations

import socket
import struct
import threading
import time

import redis


def redis_ok(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


def _api_versions(host: str, port: int, timeout: float) -> bool:
    client_id = b"sciday-health"
    # ApiVersions (key 18) v0: header = api_key, api_version, correlation_id, client_id
    body = struct.pack(">hhih", 18, 0, 7, len(client_id)) + client_id
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(struct.pack(">i", len(body)) + body)
        head = b""
        while len(head) < 10:
            chunk = sock.recv(10 - len(head))
            if not chunk:
                return False
            head += chunk
        _size, correlation_id, error_code = struct.unpack(">iih", head)
        return bool(correlation_id == 7 and error_code == 0)


class BrokerProbe:
    def __init__(self, bootstrap_servers: str, timeout: float = 1.0, cache_s: float = 1.0):
        self.servers = []
        for item in bootstrap_servers.split(","):
            host, _, port = item.strip().rpartition(":")
            self.servers.append((host or "127.0.0.1", int(port or 9092)))
        self.timeout, self.cache_s = timeout, cache_s
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._ok = False

    def ok(self) -> bool:
        with self._lock:
            if time.monotonic() - self._checked_at < self.cache_s:
                return self._ok
            result = False
            for host, port in self.servers:
                try:
                    if _api_versions(host, port, self.timeout):
                        result = True
                        break
                except OSError:
                    continue
            self._ok, self._checked_at = result, time.monotonic()
            return result
