"""Registration rules in plain Python: what a new registration record holds, and how it is shown."""

from __future__ import annotations

import secrets

from services.registration.catalogue import activities
from services.registration.ports import Doc
from services.registration.seats.ports import TicketSigner
from services.registration.vocabulary import CONFIRMED
from shared.masking import mask_phone
from shared.tickets import new_registration_id


def links(base_url: str, rid: str, token: str) -> Doc:
    return {
        "manage_url": f"{base_url}/r/{rid}?t={token}",
        "ticket_url": f"{base_url}/t/{rid}?t={token}",
        "qr_png_url": f"{base_url}/api/v1/registrations/{rid}/qr.png?token={token}",
        "qr_svg_url": f"{base_url}/api/v1/registrations/{rid}/qr.svg?token={token}",
    }


def new_record(
    body: Doc,
    doc: Doc,
    locale: str,
    keys: TicketSigner,
    base_url: str,
    rid: str | None = None,
    *,
    opens_before_min: int,
) -> Doc:
    rid = rid or new_registration_id()  # a lottery's registration: derived from its entry id
    token = secrets.token_urlsafe(24)
    valid_from, valid_until = activities.ticket_window(doc, opens_before_min)
    code = keys.sign(
        registration_id=rid,
        activity_id=doc["id"],
        venue_id=doc["venue"]["id"],
        party_size=body["party_size"],
        valid_from=valid_from,
        valid_until=valid_until,
    )
    urls = links(base_url, rid, token)
    return {
        "registration_id": rid,
        "activity_id": doc["id"],
        "venue_id": doc["venue"]["id"],
        "name": body["name"],
        "phone": body["phone"],
        "email": body.get("email"),
        "organization": body.get("organization") or "",
        "party_size": body["party_size"],
        "locale": locale,
        "manage_token": token,
        "ticket_code": code,
        "ticket_url": urls["ticket_url"],
        "manage_url": urls["manage_url"],
        **({"consent": body["consent"]} if body.get("consent") else {}),  # its proof (consent.py)
    }


def ticket_of(reg: Doc, base_url: str) -> Doc | None:
    if reg["status"] != CONFIRMED:
        return None
    urls = links(base_url, reg["registration_id"], reg["manage_token"])
    return {
        "code": reg["ticket_code"],
        "url": urls["ticket_url"],
        "qr_png_url": urls["qr_png_url"],
        "qr_svg_url": urls["qr_svg_url"],
    }


def created_view(reg: Doc, base_url: str) -> Doc:
    """The 201 body. A replay shows the first outcome, so it is built from ``initial_*``."""
    first = dict(reg, status=reg.get("initial_status", reg["status"]))
    return {
        "registration_id": reg["registration_id"],
        "status": first["status"],
        "party_size": reg["party_size"],
        "waitlist_position": reg.get("initial_position") or None,
        "ticket": ticket_of(first, base_url),
        "manage_url": reg["manage_url"],
    }


def full_view(reg: Doc, base_url: str, position: int | None, activity: Doc | None) -> Doc:
    return {
        "registration_id": reg["registration_id"],
        "status": reg["status"],
        "party_size": reg["party_size"],
        "waitlist_position": position,
        "ticket": ticket_of(reg, base_url),
        "manage_url": reg["manage_url"],
        "activity_id": reg["activity_id"],
        "name": reg["name"],
        "phone_masked": mask_phone(reg["phone"]),
        "email": reg.get("email"),
        "organization": reg.get("organization"),
        "locale": reg.get("locale", "zh-CN"),
        "created_at": reg.get("created_at"),
        "cancelled_at": reg.get("cancelled_at"),
        "activity": activity,
        "members": reg.get("members") or [],
        # issue 29 (代预约): booked by this phone for the person named, whose phone is shown masked
        "for_someone_else": bool(reg.get("proxy_person")),
        **({"attendee_phone_masked": mask_phone(reg["attendee_phone"])} if reg.get("attendee_phone") else {}),
        "wheelchairs": int(reg.get("wheelchairs") or 0),  # issue 29 item 6: the ticket shows them
        "companions": int(reg.get("companions") or 0),
    }
