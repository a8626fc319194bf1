"""The reads and counts a registration makes before its seat script, in as few round trips as
their order allows (issue 18 §4).

Registering asks Redis, before reserve.lua, for the verified session's phone, the rate limits
(per address; per phone and per ID once the phone is known) and each no-show holder's marks.
One call of :meth:`Checks.run` is one round trip (a pipeline): the use case makes two, the
first with what the request alone names (the session, the address's limit, the no-show marks of
the phone the body names), the second with what needed the first (the verified phone's and the
IDs' limits, the remaining holders' marks). A round with nothing to send sends nothing.

The rules stay where they are: the limits in ratelimit.lua, the no-show lock in ``noshow.py``
(this module only fetches the marks), the session's phone in the verification store.
Here: what a round returns, and :class:`OneByOne`, the port over the other ports one call each
(a wiring without ``Ports.checks``); the Redis adapter is ``checks_store.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from services.registration.noshow.record import Mark

if TYPE_CHECKING:
    from services.registration.ports import Ports

Limit = tuple[str, str, int, int]  # (name, subject, max requests, window s): shared/ratelimit.py


@dataclass(frozen=True)
class Checked:
    """What one round found: the session's phone (None: no session or none asked), and the marks
    of each holder asked for."""

    session_phone: str | None = None
    marks: dict[str, list[Mark]] = field(default_factory=dict)


@dataclass
class OneByOne:
    """The port over the ports themselves (any wiring without a pipeline): the
    limiter, then each holder's marks, one call each.  ``sessions``: session ref -> phone."""

    ports: Ports
    sessions: dict[str, str] = field(default_factory=dict)

    def run(self, *, limits: list[Limit], holders: list[str], session_ref: str | None = None) -> Checked:
        self.ports.limiter.check(limits)
        record = self.ports.noshow
        marks = {h: record.marks(h) for h in holders} if record is not None else {}
        return Checked(self.sessions.get(session_ref) if session_ref else None, marks)
