"""Real-name verification (实名核验, 二要素): each member of a real-name party has their name and ID
number confirmed by an authority before the seat script is asked (issue 23).

identity.py says whether a number *could* be real (shape, check digit, birth date); only the
authority knows whether it *is* this person's.  The authority is a port (:class:`Authority`):
in production an HTTP provider (realname_http.py, the interface in docs/fair-access.md; 国家网络
身份认证's 网号/网证 result is one such provider), in ``make run`` and the tests the local
stand-in (standins/realname.py) with its registry of the people it knows.

:func:`check` runs for real-name activities only, after the rate limits and the no-show lock
(so they bound the authority's calls) and before the seat script, for registering and entering
a lottery alike.  A positive answer may be remembered for a while (:class:`Confirmed`, per name
and ID hash).  A member the authority does not confirm is refused ``id_unverified``; an authority
that does not answer is ``realname_unavailable`` (503), never a pass — unless the festival chose
to let unverified members book (``realname_unverified_may_book``), in which case the record
carries ``verified: false`` for them and the log says why.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from services.registration import vocabulary as v
from services.registration.access import identity
from shared.masking import mask_id

log = logging.getLogger("sciday.registration.realname")

# The authority's answers (the provider's 一致 / 不一致 / 无此号).
MATCH, RESULTS = v.REALNAME_MATCH, v.REALNAME_RESULTS


class RealNameUnavailable(Exception):
    """The authority did not answer, or answered nothing we understand (``why`` says which)."""


@dataclass(frozen=True)
class Person:
    name: str
    id_type: str
    id_number: str  # normalized (identity.normalize)
    nationality: str = ""  # a passport's issuing country


class Authority(Protocol):
    def verify(self, person: Person) -> str:
        """One of :data:`RESULTS`, or :class:`RealNameUnavailable`."""
        ...


class Confirmed(Protocol):
    """Positive answers remembered for a while, by an opaque reference; one round trip a call."""

    def known(self, refs: list[str]) -> set[str]:
        """The references remembered (a failing store: none)."""
        ...

    def remember(self, refs: list[str]) -> None: ...


class NoAuthority:
    """No provider configured (``realname_url`` empty): nobody can be confirmed."""

    def verify(self, person: Person) -> str:
        raise RealNameUnavailable("no provider configured")


@dataclass
class RealName:
    """The port, its cache and the festival's choice, wired once (bootstrap.py)."""

    authority: Authority
    secret: bytes
    cache: Confirmed | None = None
    unverified_may_book: bool = False


def person_of(raw: Mapping[str, Any]) -> Person:
    """A member as the form gave it (already checked by identity.party), normalized."""
    nationality = raw.get("nationality") if raw["id_type"] == "passport" else ""
    return Person(
        raw["name"].strip(),
        raw["id_type"],
        identity.normalize(raw["id_type"], raw["id_number"]),
        (nationality or "").strip().upper(),
    )


def cache_ref(secret: bytes, person: Person) -> str:
    """Keyed by the name and the ID hash (never the number): one person, one reference."""
    id_ref = identity.id_hash(secret, person.id_type, person.id_number)
    return hmac.new(secret, f"realname:{person.name}:{id_ref}".encode(), hashlib.sha256).hexdigest()[:32]


def check(
    port: RealName | None, doc: Mapping[str, Any], raws: Sequence[Mapping[str, Any]]
) -> list[bool] | None:
    """Each member's ``verified`` (children without a document are True: there is nothing to
    check), or None when nothing was checked (no port, or not a real-name activity).

    Raises ``id_unverified`` naming the members not confirmed, or ``realname_unavailable``.
    """
    if port is None or not doc.get("real_name") or not raws:
        return None
    people = {i: person_of(raw) for i, raw in enumerate(raws) if raw["id_type"] != identity.NO_ID}
    refs = {i: cache_ref(port.secret, p) for i, p in people.items()}
    remembered = port.cache.known(list(refs.values())) if port.cache is not None else set()
    flags: list[bool] = [True] * len(raws)
    refused: dict[str, dict[str, list[str]]] = {}
    confirmed: list[str] = []
    for i, person in people.items():
        if refs[i] in remembered:
            continue
        masked = mask_id(person.id_number)
        try:
            result = port.authority.verify(person)
        except RealNameUnavailable as exc:
            log.warning("real-name check unavailable (%s) for member %d id=%s", exc, i, masked)
            if not port.unverified_may_book:
                raise v.Refusal(v.REALNAME_UNAVAILABLE) from None
            result = ""
        if result == MATCH:
            confirmed.append(refs[i])
            continue
        log.info("real-name check: member %d id=%s %s", i, masked, result or "unanswered")
        refused[str(i)] = {"id_number": [v.ID_NOT_CONFIRMED]}
        flags[i] = False
    if confirmed and port.cache is not None:
        port.cache.remember(confirmed)
    if refused and not port.unverified_may_book:
        raise v.Refusal(v.ID_UNVERIFIED, {"rules": {"members": refused}})
    return flags


def record(members: list[dict[str, Any]], flags: list[bool] | None) -> None:
    """A stored member the authority did not confirm carries ``verified: false`` (only possible
    with ``realname_unverified_may_book``); the others are as before: confirmed, or a child
    without a document."""
    if flags is None:
        return
    for m, ok in zip(members, flags, strict=True):
        if not ok:
            m["verified"] = False
