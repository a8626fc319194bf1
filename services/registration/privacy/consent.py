"""Proof of consent (issue 16; PIPL art. 14 and 17): when the form's notice and consent were given,
and to which text.

The proof rests in the registration record as ``consent`` (and in a lottery entry, whose
registration inherits it): ``{"given_at": ISO time, "notice": version, "scope": "basic" |
"real_name"}``.  It holds nothing personal beyond the registration it sits in, so an erasure
(``personal.ERASED``) leaves it: it shows that the data was collected with consent, not whose.

``notice`` is the version of the text the person saw: ``sha256:`` and the first 16 hex digits of
the privacy notice (``templates/privacy.html``) and the form that carries the consent sentence
(``templates/register.html``), so any change to either text is a new version, without anyone
having to remember to bump a number.  ``scope`` says which consent sentence was ticked: the
real-name one also covers the party's ID numbers and a guardian's consent for a child under 14.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent.parent / "templates"
NOTICE_FILES = ("privacy.html", "register.html")
BASIC, REAL_NAME = "basic", "real_name"


@cache
def notice_version() -> str:
    """The version of the notice and consent text this build shows."""
    digest = hashlib.sha256()
    for name in NOTICE_FILES:
        digest.update((TEMPLATES / name).read_bytes())
    return "sha256:" + digest.hexdigest()[:16]


def recorded(form: Mapping[str, Any], now: datetime, doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """The form with ``"consent": true`` (the API's) replaced by its proof; a form that carries
    its proof already (the pages') or no consent is returned as it is."""
    if form.get("consent") is not True:
        return form
    return dict(form, consent=proof(now, real_name=bool(doc.get("real_name"))))


def proof(given_at: datetime, *, real_name: bool) -> dict[str, str]:
    """What the record keeps of a consent given now on the form."""
    return {
        "given_at": given_at.isoformat(timespec="seconds"),
        "notice": notice_version(),
        "scope": REAL_NAME if real_name else BASIC,
    }
