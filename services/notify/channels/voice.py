"""Voice codes (issue 29): a phone call that reads a verification code out, digit by digit.

The port is the SMS provider's (channels/sms.py): the same message, sent with ``channel`` "voice"
(the generic gateway protocol carries it; standins/sms_gateway.py records and shows the call). A
cloud with a separate voice API (Aliyun's 语音服务 SingleCallByTts, Tencent Cloud's 语音消息) is a
provider class that maps a voice message to its TTS template, registered in ``sms.PROVIDERS``.
Voice codes are sent at once by web/api_codes.py, never queued, as SMS codes are.
"""

from __future__ import annotations

from services.notify.channels import sms
from services.notify.channels.sms import SmsMessage, SmsProvider
from shared.words import CODE_BY_VOICE


def spoken(code: str) -> str:
    """The code as a voice reads it: one digit at a time ("382916" -> "3 8 2 9 1 6")."""
    return " ".join(code)


class VoiceChannel:
    """The voice sender port: the provider, the caller's name (the SMS signature) and the TTS
    template ids (``voice_template_ids``; default ``<name>.<locale>``)."""

    name = CODE_BY_VOICE

    def __init__(self, provider: SmsProvider, caller: str, template_ids: dict[str, str] | None = None):
        self.provider, self.sender = provider, caller
        self.template_ids = template_ids or {}

    def template_id(self, template: str, locale: str) -> str:
        key = f"{template}.{locale}"
        return self.template_ids.get(key) or self.template_ids.get(template) or key

    def call(self, client_ref: str, phone: str, template: str, locale: str, text: str, params: dict) -> str:
        """Hand the call to the provider; its message id, or :class:`ProviderError`."""
        message = SmsMessage(
            client_ref=client_ref,
            phone=phone,
            sign_name=self.sender,
            template_id=self.template_id(template, locale),
            text=text,
            params=params,
            channel=CODE_BY_VOICE,
        )
        return self.provider.send(message)


def from_settings(settings) -> VoiceChannel:
    try:
        factory = sms.PROVIDERS[settings.sms_provider]
    except KeyError:
        raise ValueError(f"unknown SCIDAY_SMS_PROVIDER {settings.sms_provider!r}") from None
    return VoiceChannel(
        factory(settings), settings.sms_sign_name, sms.parse_template_ids(settings.voice_template_ids)
    )
