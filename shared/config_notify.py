"""The settings of one theme: notify's channels, rate limits, retries and reminders (services/notify).

Part of :class:`shared.config.Settings` (declared here, combined there; docs/settings.md lists
them all).
"""

from __future__ import annotations

from shared.settings_base import SettingsBase


class NotifyConfig(SettingsBase):
    # --- notify (services/notify): channels, rate limits, retries, reminders -----------------
    sms_provider: str = "http"
    """The adapter SMS goes through (services/notify/channels/sms.py): "http" sends to sms_gateway_url."""
    sms_gateway_url: str = "http://127.0.0.1:8004/api/v1/sms"
    """The SMS gateway's URL (the http adapter)."""
    sms_api_key: str = ""
    """HMAC key for the SMS gateway; a credential, never in a committed file."""
    sms_sign_name: str = "科技节"
    """The SMS signature (签名): the sender the rate limit applies to."""
    sms_template_ids: str = ""
    """Provider template ids, "confirmed.zh-CN=SMS_123,confirmed.en=SMS_124"; default "<name>.<locale>"."""
    sms_gateway_idempotent: int = 1
    """1 when the gateway drops a repeated client_ref (so a resend after a crash is safe)."""
    smtp_host: str = "127.0.0.1"
    """The SMTP server's host."""
    smtp_port: int = 1025
    """The SMTP server's port."""
    smtp_user: str = ""
    """The SMTP login ("" = none)."""
    smtp_password: str = ""
    """The SMTP password; a credential, never in a committed file."""
    smtp_starttls: int = 0
    """1: STARTTLS after connecting to the SMTP server."""
    mail_from: str = "科技节 <noreply@sciday.local>"
    """The From of the e-mails notify sends."""
    notify_sms_per_s: float = 10.0
    """SMS per second per sender (0 = no limit); a queue forms in Redis."""
    notify_email_per_s: float = 10.0
    """E-mails per second per sender (0 = no limit); a queue forms in Redis."""
    notify_max_attempts: int = 10
    """Provider failures: attempts in all before a message is given up."""
    notify_backoff_ms: int = 1000
    """Provider failures: exponential backoff from this many ms..."""
    notify_backoff_max_ms: int = 300_000
    """...up to this many ms."""
    notify_lease_s: int = 60
    """A claimed message whose sender vanished is taken over after this many seconds."""
    notify_provider_timeout_s: float = 10.0
    """How long a send waits for a provider's answer, in seconds."""
    notify_retention_days: int = 30
    """Days notify keeps a delivery's record."""
    reminder_offsets_min: str = "1440,120"
    """Reminders before the start, in minutes, comma-separated (24 h and 2 h)."""
    reminder_poll_ms: int = 1000
    """How often the reminder scheduler looks for reminders that are due, in ms."""
