"""Redis adapter of registering's checks before the seat script (checks.py): one pipeline a round."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import redis as redis_py

from services.registration.seats.checks import Checked, Limit
from shared.ratelimit import refuse
from shared.redis_scripts import is_read_only


class RedisChecks:
    """The port on Redis: one pipeline per round (GET, EVALSHA ratelimit.lua, one HVALS a holder)."""

    def __init__(self, redis, limiter, noshow, seats, prefix: str):
        self.redis, self.limiter, self.noshow, self.seats, self.prefix = redis, limiter, noshow, seats, prefix

    @cached_property
    def sessions(self):
        """The verification store, for its key names and to open a sealed phone (keys read on first use)."""
        from services.registration.access.verification_store import RedisCodeStore

        return RedisCodeStore(self.redis, self.prefix, self.seats.sealer)

    def run(self, *, limits: list[Limit], holders: list[str], session_ref: str | None = None) -> Checked:
        """Count the request against ``limits`` (429 ``rate_limited`` if one is spent) and read
        the session and the holders' marks, in one round trip."""
        call = self.limiter.call(limits)
        if call is None and not holders and session_ref is None:
            return Checked()
        pipe = self.redis.pipeline(transaction=False)
        if session_ref is not None:
            pipe.get(self.sessions.session_key(session_ref))
        if call is not None:
            pipe.evalsha(call.script.sha, len(call.keys), *call.keys, *call.args)
        for h in holders:
            pipe.hvals(self.noshow.marks_key(h))
        replies = list(pipe.execute(raise_on_error=False))
        phone = self.sessions.opened(ok(replies.pop(0))) if session_ref is not None else None
        if call is not None:
            reply = replies.pop(0)
            if isinstance(reply, redis_py.exceptions.NoScriptError):  # a restarted Redis: load it, once
                reply = call.script(keys=call.keys, args=call.args)
            refuse(call.spent(ok(reply)))
        return Checked(phone, {h: self.noshow.parse(ok(r)) for h, r in zip(holders, replies)})


def ok(reply: Any) -> Any:
    """A pipeline reply, or its error raised (a replica's refusal as ``ReadOnlyError``: an outage)."""
    if isinstance(reply, redis_py.ResponseError):
        if is_read_only(reply):
            raise redis_py.exceptions.ReadOnlyError(str(reply)) from reply
        raise reply
    return reply
