"""Channels: how a rendered message reaches a person (SMS through a provider, email over SMTP).

Every channel has the same shape, so the sender loop (services/notify/channels/sender.py) treats them alike:

- ``name``: "sms" or "email", the queue it drains;
- ``sender``: who the per-channel rate limit applies to (the SMS signature, the From address);
- ``idempotent``: True when handing the same notification id over twice still reaches the person
  once (the provider drops a repeated ``client_ref``).  Decides what happens to a message found
  in "handoff" after a crash: resent when True, reported "uncertain" when False;
- ``send(intent, rendered, before_handoff) -> provider message id``: calls ``before_handoff()``
  at the last moment before the provider can have the message (it raises :class:`LostClaim` if
  another sender took the message over meanwhile, which must abort the send), and raises
  :class:`ProviderError` when the message was not accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class LostClaim(Exception):
    """Raised by ``before_handoff`` when the sender's lease ran out: do not hand the message over."""


class ProviderError(Exception):
    """The provider did not take the message. ``retryable`` False: trying again cannot help."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


class Channel(Protocol):
    name: str
    sender: str
    idempotent: bool

    def send(self, intent: dict, rendered, before_handoff: Callable[[], None]) -> str: ...
