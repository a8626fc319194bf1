"""The settings of one theme: credentials and least privilege, personal data (shared/sealed.py) and real-name verification
(docs/privacy.md).

Part of :class:`shared.config.Settings` (declared here, combined there; docs/settings.md lists
them all).
"""

from __future__ import annotations

from shared.settings_base import SettingsBase


class PrivacyConfig(SettingsBase):
    # --- credentials and least privilege (issue 16; docs/privacy.md) -------------------------
    redis_username: str = ""
    """This service's Redis ACL user (sciday/credentials.py); "" = Redis's default user (development)."""
    redis_password: str = ""
    """Its password; a credential, never in a committed file (give SCIDAY_REDIS_PASSWORD_FILE)."""
    kafka_security_protocol: str = "PLAINTEXT"
    """PLAINTEXT, or SASL_PLAINTEXT / SASL_SSL with SCRAM users."""
    kafka_sasl_mechanism: str = "SCRAM-SHA-512"
    """The SASL mechanism of the Kafka SCRAM users."""
    kafka_username: str = ""
    """This service's Kafka SCRAM user (sciday/credentials.py); "" = no SASL (development)."""
    kafka_password: str = ""
    """Its password; a credential, never in a committed file (give SCIDAY_KAFKA_PASSWORD_FILE)."""

    # --- personal data (issue 16, shared/sealed.py, docs/privacy.md) ------------------------
    seal_keys_registration: str = ""
    """Registration's AES-GCM key ring "<kid>:<base64url 32 bytes>,...", the highest kid sealing; "" = the
    files <keys_dir>/seal-<purpose>-<kid>.key, made on first use (make run). A credential: set it in
    production."""
    seal_keys_notify: str = ""
    """Notify's AES-GCM key ring, as seal_keys_registration."""
    retention_days: int = 30
    """Personal fields of a registration are erased this many days after its activity ended
    (services/registration/privacy/retention.py; statistics stay)."""
    retention_poll_s: int = 3600
    """How often the retention sweep looks, in seconds."""
    noshow_sweep_poll_s: int = 30
    """How often the no-show worker sweeps activities ended + grace, in seconds."""
    noshow_sweep_lease_s: int = 300
    """One worker sweeps an activity at a time, holding it this long at most, in seconds."""
    standby_release_poll_s: int = 15
    """How often the standby scheduler releases unscanned seats at start + grace, in seconds."""
    standby_auto_call: int = 1
    """1: the standby scheduler calls waiting numbers as released seats free up."""
    internal_signature_skew_s: int = 60
    """Issue 23: a signed internal call (shared/internal.py) is accepted this far from the receiver's clock,
    and its nonce is remembered for twice this, so a replay is refused."""
    # --- real-name verification (issue 23; services/registration/access/realname.py, fair-access.md) --
    realname_url: str = "http://127.0.0.1:8006/api/v1/verify"
    """The authority a real-name activity's members are checked against (二要素: name and ID number), a provider
    over HTTP (realname_http.py; `make run` and the tests point it at the local stand-in,
    standins/realname.py). "" = no provider: nobody is confirmed."""
    realname_api_key: str = ""
    """The real-name provider's key (a Bearer token); a credential, never committed."""
    realname_timeout_ms: int = 3000
    """How long the real-name provider may take; then realname_unavailable (503), never a pass."""
    realname_unverified_may_book: bool = False
    """Off (the default): a member the authority does not confirm, or cannot check now, may not book a
    real-name activity.  On: they book, recorded ``verified: false``."""
    realname_cache_s: int = 86400
    """A positive answer is remembered this long per (name, ID hash) in Redis (0 = ask every time)."""
