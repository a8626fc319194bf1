"""The door's keyed hash of an ID number (issue 23): what registration puts beside each real-name
member and what the door compares a card it reads with, online (check-in) and offline (the
scanner's ``static/js/doorid.js``, with WebCrypto).

- the master key: ``SCIDAY_DOOR_ID_KEY``, else ``<keys_dir>/door-id.secret`` (made on first use,
  like the other secrets); registration and check-in must share it;
- the activity's key: ``HMAC-SHA256(master, activity_id)``: the offline door book carries the keys
  of the activities it covers only, so a stolen book matches no card of any other activity;
- the door hash: ``HMAC-SHA256(activity key, number)`` as 32 hex characters, the number written
  the one way (:func:`normalise`: NFKC, every space dropped, upper case), whatever the document
  type, so the steward's card reader (which types the number and Enter) and the booking agree.

Neither the clear number nor a hash under the master key ever leaves the services; the events
carry only door hashes. ``tests/unit/door_id_vectors.json`` pins the Python and the JS together.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from typing import Any

from shared import keyfile

HEX = 32  # 128 bits of the HMAC are kept


def master_key(settings: Any) -> bytes:
    return keyfile.from_settings(settings, "door-id", "SCIDAY_DOOR_ID_KEY")


def normalise(number: str) -> str:
    """``"2101 0219 8808 0851 5x"`` -> ``"21010219880808515X"``; full-width digits folded."""
    return "".join(unicodedata.normalize("NFKC", number).split()).upper()


def activity_key(master: bytes, activity_id: str) -> bytes:
    return hmac.new(master, activity_id.encode(), hashlib.sha256).digest()


def door_hash(key: bytes, number: str) -> str:
    """The member's door hash under one activity's key; "" for an empty number."""
    text = normalise(number)
    if not text:
        return ""
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:HEX]
