"""The production adapters of the real-name port (realname.py): a provider over HTTP, and the
positive answers remembered in Redis.

The provider's interface (docs/fair-access.md, "Real-name verification"):

``POST <realname_url>`` with ``Content-Type: application/json`` and, when a key is set,
``Authorization: Bearer <realname_api_key>``::

    {"request_id": "<32 hex>", "name": "王芳", "id_type": "resident_id",
     "id_number": "210102198808085152", "nationality": ""}

answers ``200 {"request_id": "<the same>", "result": "match" | "mismatch" | "not_found"}``.
Anything else — a timeout, a refused connection, another status, a body without one of those
results or with another request id — is :class:`~realname.RealNameUnavailable`: the caller refuses
``realname_unavailable``, it never passes the member.
"""

from __future__ import annotations

import secrets
from typing import Any

import requests

from services.registration.access.realname import RESULTS, Person, RealNameUnavailable

CACHE_KEY = "realname:ok:"  # + the cache reference (realname.cache_ref): a positive answer


class HttpAuthority:
    def __init__(self, url: str, api_key: str = "", timeout_s: float = 3.0):
        self.url, self.api_key, self.timeout_s = url, api_key, timeout_s
        self.http = requests.Session()

    def verify(self, person: Person) -> str:
        request_id = secrets.token_hex(16)
        body = {
            "request_id": request_id,
            "name": person.name,
            "id_type": person.id_type,
            "id_number": person.id_number,
            "nationality": person.nationality,
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            resp = self.http.post(self.url, json=body, headers=headers, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise RealNameUnavailable(type(exc).__name__) from None
        if resp.status_code != 200:
            raise RealNameUnavailable(f"status {resp.status_code}")
        try:
            answer = resp.json()
        except ValueError:
            raise RealNameUnavailable("not JSON") from None
        if not isinstance(answer, dict) or answer.get("request_id") != request_id:
            raise RealNameUnavailable("another request's answer")
        if answer.get("result") not in RESULTS:
            raise RealNameUnavailable("no result")
        return str(answer["result"])


class RedisConfirmed:
    """``<prefix>realname:ok:<ref>`` = "1" for ``ttl_s`` seconds (0: nothing is remembered); one
    round trip to read a party's references, one to remember the new ones.  A Redis error only
    costs calls to the provider: the cache is never the reason to pass."""

    def __init__(self, redis: Any, prefix: str, ttl_s: int):
        self.redis, self.key, self.ttl_s = redis, prefix + CACHE_KEY, ttl_s

    def known(self, refs: list[str]) -> set[str]:
        if self.ttl_s <= 0 or not refs:
            return set()
        try:
            found = self.redis.mget([self.key + r for r in refs])
        except Exception:  # a cache miss
            return set()
        return {r for r, got in zip(refs, found, strict=True) if got is not None}

    def remember(self, refs: list[str]) -> None:
        if self.ttl_s <= 0 or not refs:
            return
        try:
            pipe = self.redis.pipeline(transaction=False)
            for r in refs:
                pipe.set(self.key + r, "1", ex=self.ttl_s)
            pipe.execute()
        except Exception:  # not remembered: the next check asks again
            return
