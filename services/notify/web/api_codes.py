"""Verification codes: the registration service hands a code here, signed with the internal key,
and it goes straight to the SMS provider: as an SMS, or (``channel`` "voice", issue 29) as a phone
call that reads it out digit by digit (channels/voice.py).

This is the one message notify does not queue. A code lives 5 minutes and a person waits for it,
so there is nothing to gain from a durable queue with hours of retries, and everything to lose
from keeping the code somewhere (Redis, a topic, a log) until it is sent. Nothing here writes the
code down: the request is checked, the text rendered, the provider called, and the answer is the
provider's message id or 503 ``sms_unavailable`` (the person taps "resend"). docs/fair-access.md
says why this is a call and not an encrypted field on a topic.
"""

from __future__ import annotations

import json
import logging
import re
import secrets

from flask import Blueprint, current_app, jsonify, request

from services.notify import vocabulary as V
from services.notify.channels import ProviderError, voice
from services.notify.channels.sms import SmsMessage
from services.notify.delivery import messages
from shared import errors, internal
from shared.errors import error_response
from shared.i18n import request_locale
from shared.masking import mask_phone as masked
from shared.phone import is_canonical
from shared.words import CODE_BY_SMS, CODE_BY_VOICE, CODE_CHANNELS

bp = Blueprint("verification_codes", __name__)
log = logging.getLogger("sciday.notify.codes")
CODE = re.compile(r"[0-9]{6}\Z", re.ASCII)


@bp.post("/internal/v1/verification-codes")
def send_code():
    refused = internal.refusal_here("nt:")  # method, path, time, nonce and body signed; no replay
    if refused:
        return error_response(refused)
    body = request.get_data(cache=False)
    try:
        payload = json.loads(body)
    except ValueError:
        return error_response(errors.MALFORMED_JSON)
    phone, code = payload.get("phone"), payload.get("code")
    minutes = payload.get("minutes")
    if not (is_canonical(phone) and isinstance(code, str) and CODE.fullmatch(code)):
        return error_response(
            V.VALIDATION_FAILED, errors={"phone": ["required"], "code": ["required"]}, status=422
        )
    if not isinstance(minutes, int) or not 1 <= minutes <= 60:
        return error_response(V.VALIDATION_FAILED, errors={"minutes": ["1-60"]}, status=422)
    by = payload.get("channel") or CODE_BY_SMS  # issue 29: "voice", a call that reads the code out
    if by not in CODE_CHANNELS:
        return error_response(V.VALIDATION_FAILED, errors={"channel": list(CODE_CHANNELS)}, status=422)
    locale = payload.get("locale") or "zh-CN"
    try:
        message_id = _hand_over(by, phone, code, str(minutes), locale)
    except ProviderError as exc:
        # The provider's error text never holds our request body; the phone is masked.
        log.warning("verification %s to %s not sent: %s", by, masked(phone), exc)
        unavailable = V.INTERNAL_REASONS[V.SMS_UNAVAILABLE]
        return error_response(unavailable.code, unavailable.message(request_locale()), unavailable.http)
    log.info("verification %s to %s handed over as %s", by, masked(phone), message_id)
    return jsonify({"status": V.SENT, "message_id": message_id})


def _hand_over(by: str, phone: str, code: str, minutes: str, locale: str) -> str:
    """The code to the provider, as an SMS or a voice call: the provider's message id."""
    ref, template = "vc-" + secrets.token_hex(12), V.VERIFICATION_CODE_TEMPLATE
    if by == CODE_BY_VOICE:
        said = {"code": code, "spoken": voice.spoken(code), "minutes": minutes}
        rendered = messages.render(template, by, locale, said)
        caller = current_app.extensions["sciday.voice"]
        return caller.call(ref, phone, template, rendered.locale, rendered.text, {"code": code})
    channel = current_app.extensions["sciday.sms"]
    rendered = messages.render(template, by, locale, {"code": code, "minutes": minutes})
    message = SmsMessage(
        client_ref=ref,
        phone=phone,
        sign_name=channel.sender,
        template_id=channel.template_id(template, rendered.locale),
        text=rendered.text,
        params={"code": code},
    )
    return channel.provider.send(message)
