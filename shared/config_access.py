"""The settings of one theme: fair access (phone verification, ID limits, docs/fair-access.md) and consent through the API.

Part of :class:`shared.config.Settings` (declared here, combined there; docs/settings.md lists
them all).
"""

from __future__ import annotations

from shared.settings_base import SettingsBase


class AccessConfig(SettingsBase):
    # --- fair access (docs/fair-access.md; numbers from shared docs/china-booking-norms.md) -------
    require_verified_phone: int = 1
    """Registering needs a phone verified by SMS code (1); 0 lets a venue take bookings without."""
    verify_code_ttl_s: int = 300
    """How long an SMS code is valid, in seconds."""
    verify_max_attempts: int = 5
    """Tries per SMS code."""
    verify_resend_cooldown_s: int = 60
    """Seconds before another code may be sent to the same phone."""
    verify_daily_per_phone: int = 10
    """SMS codes per phone in any 24 h."""
    verify_daily_per_ip: int = 50
    """SMS codes per client address in any 24 h."""
    verify_session_days: int = 7
    """A verified phone's session (cookie and bearer), in days."""
    verify_hourly_per_prefix_v4: int = 60
    """Issue 23, SMS spend across addresses: codes per hour per IPv4 /verify_prefix_v4 network, which holds
    many subscribers (a carrier's or a campus's neighbours) (0 = off)."""
    verify_hourly_per_prefix_v6: int = 10
    """Codes per hour per IPv6 /verify_prefix_v6 network, one subscriber (a household picks any of its 2^64
    addresses) (0 = off)."""
    verify_hourly_global: int = 5000
    """Codes per hour in all, which bounds the festival's SMS bill whoever asks (0 = off)."""
    verify_prefix_v4: int = 24
    """The IPv4 prefix length counted as one network."""
    verify_prefix_v6: int = 64
    """The IPv6 prefix length counted as one subscriber."""
    verify_venue_networks: str = ""
    """The venue's own networks (CIDRs, comma-separated: its visitor Wi-Fi, a campus NAT): not capped per
    address or prefix, as one person would be; they still count toward verify_hourly_global."""
    child_max_age_without_id: int = 14
    """Children younger than this on the activity's day may come without an ID, with a guardian."""
    id_per_day: int = 2
    """Registrations per ID (person) per festival day, across activities (0 = off)."""
    id_per_festival: int = 5
    """Registrations per ID (person) per festival, across activities (0 = off)."""
    rate_limit_id_per_min: int = 6
    """Registration attempts per ID per minute (0 = off), beside the per-IP and per-phone limits."""
    internal_api_key: str = ""
    """The key registration signs its calls to notify with (verification codes); "" = a file
    var/keys/internal.secret that both read (make run); set it in production."""
    hmac_secret: str = ""
    """The key of every keyed hash registration keeps (ID numbers, phone and address refs, codes): every
    replica must share it, or an ID is not "once per activity". "" = a file
    var/keys/registration-hmac.secret (make run); a credential, set it in production."""
    # --- consent through the API (i18k; services/registration/privacy/consent.py, docs/privacy.md) --
    api_consent_required: bool = False
    """On: a registration or lottery entry through the JSON API without ``"consent": true`` is refused
    (validation_failed), as the form refuses an unticked box.  Off: the API records a consent it is given
    and asks for none (API clients from before it keep working)."""
