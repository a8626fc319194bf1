"""The channels' words (issue 29: seats kept for a channel, the "quota" noun; seats/quota.lua is
the rule's home, docs/quota.md), part of the registration vocabulary (``vocabulary.py`` imports
them all)."""

from __future__ import annotations

from typing import Final

# Channels with seats kept for them (issue 29, the "quota" noun; seats/quota.lua is the rule's home).
# A registration's ``channel`` is one of these, or ONLINE (the default: the public booking).
CH_ONLINE: Final = "online"
CH_WINDOW: Final = "window"  # the staffed window and the phone line (stewards, organizers)
CH_GROUP: Final = "group"  # schools and institutes booking a class or team
CH_WHEELCHAIR: Final = "wheelchair"  # wheelchair places
CH_COMPANION: Final = "companion"  # companion seats, booked only with a wheelchair place
QUOTA_CHANNELS: Final = (CH_WINDOW, CH_GROUP, CH_WHEELCHAIR, CH_COMPANION)
CHANNELS: Final = (CH_ONLINE, *QUOTA_CHANNELS)
