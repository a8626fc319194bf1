"""The most people one registration may hold: ``Settings.party_size_limit`` is the number's one home.

An activity's own ``max_party_size`` may be anything from 1 to the limit; reserve.lua then checks
each party against the activity's own maximum (data in the activity's hash).  The schemas, the
organizer's form (its ``max=``) and the API documentation read the setting when they are used,
not a literal of their own.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from marshmallow import validate

from shared.config import Settings


def party_size_limit() -> int:
    """The running app's setting; the declared default outside an app (a schema used alone)."""
    if has_app_context():
        settings = current_app.extensions.get("sciday.settings")
        if settings is not None:
            return int(settings.party_size_limit)
    return Settings.party_size_limit


class _UpToTheLimit:
    """``max`` is the setting at the moment of the check (validate.Range and Length read it)."""

    @property
    def max(self) -> int | None:
        return party_size_limit()

    @max.setter
    def max(self, _declared: Any) -> None:  # Range/Length.__init__ assign it; the setting wins
        pass


class PartySize(_UpToTheLimit, validate.Range):
    """1 to the limit (a party's size, an activity's ``max_party_size``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min=1, max=Settings.party_size_limit, **kwargs)


class PartyMembers(_UpToTheLimit, validate.Length):
    """1 to the limit members (real-name parties)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min=1, max=Settings.party_size_limit, **kwargs)
