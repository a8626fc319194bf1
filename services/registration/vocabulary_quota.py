"""The channels' words (issue 29: seats kept for a channel, the "quota" noun; seats/quota.lua is
the rule's home, docs/quota.md), part of the registration vocabulary (``vocabulary.py`` imports
them all)."""

from __future__ import annotations

from typing import Final

from shared.msgid import N_
from shared.words import Reason

# Channels with seats kept for them (issue 29, the "quota" noun; seats/quota.lua is the rule's home).
# A registration's ``channel`` is one of these, or ONLINE (the default: the public booking).
CH_ONLINE: Final = "online"
CH_WINDOW: Final = "window"  # the staffed window and the phone line (stewards, organizers)
CH_GROUP: Final = "group"  # schools and institutes booking a class or team
CH_WHEELCHAIR: Final = "wheelchair"  # wheelchair places
CH_COMPANION: Final = "companion"  # companion seats, booked only with a wheelchair place
QUOTA_CHANNELS: Final = (CH_WINDOW, CH_GROUP, CH_WHEELCHAIR, CH_COMPANION)
CHANNELS: Final = (CH_ONLINE, *QUOTA_CHANNELS)

# Issue 29 item 6: accessible seats (seats/accessible.py; quota.lua's quota_take_accessible).
NO_WHEELCHAIR_PLACE: Final = "no_wheelchair_place"  # the wheelchair quota cannot seat them (strict)
NO_COMPANION_SEAT: Final = "no_companion_seat"  # the companion quota cannot seat them
COMPANION_NEEDS_WHEELCHAIR: Final = "companion_needs_wheelchair"  # a companion seat without its place
# Their HTTP status and message (vocabulary.py's REASONS takes them in).
QUOTA_REASONS: Final = (
    Reason(NO_WHEELCHAIR_PLACE, 409, N_("No wheelchair place is left for this activity.")),
    Reason(NO_COMPANION_SEAT, 409, N_("No companion seat is left; book without one, or call the organizer.")),
    Reason(
        COMPANION_NEEDS_WHEELCHAIR,
        422,
        N_("Companion seats are booked only with wheelchair places, up to the number each place allows."),
    ),
)
