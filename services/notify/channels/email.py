"""Email over SMTP, with the ticket's QR code attached as a PNG (and, confirming a seat, the
registration's calendar file: issue 29).

The SMTP conversation is driven step by step so that the hand-off point is exact: the message is
the server's only once it reads the final ``.`` line of DATA (RFC 5321 §4.1.1.4: a server that
loses the connection before it must not deliver).  ``before_handoff()`` runs right before that
line is written; everything earlier (connect, MAIL, RCPT, the body) is safe to do again.

The Message-ID is derived from the notification id, so a copy can always be told apart from a
second message, and a mailbox that collapses duplicates by Message-ID does so.
"""

from __future__ import annotations

import email.errors
import re
import smtplib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from services.notify.channels import ProviderError
from services.notify.delivery import qr
from shared import ics


def build(intent: dict, rendered, mail_from: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = intent["recipient"]
    msg["Subject"] = rendered.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = f"<{intent['notification_id']}@sciday.notify>"
    msg["X-Sciday-Notification"] = intent["notification_id"]
    msg["X-Sciday-Template"] = rendered.template
    msg.set_content(rendered.text)
    code = (intent.get("reg") or {}).get("ticket_code")
    if rendered.attach_qr and code:
        msg.add_attachment(qr.png(code), maintype="image", subtype="png", filename="ticket-qr.png")
    if rendered.calendar:  # issue 29: the registration's calendar file (shared/ics.py)
        msg.add_attachment(rendered.calendar, maintype="text", subtype="calendar", filename=ics.FILENAME)
    return msg


def _check(code: int, reply: bytes, step: str) -> None:
    if 200 <= code < 400:
        return
    text = reply.decode("utf-8", "replace")[:200]
    # 4xx: try later (greylisting, a full queue); 5xx: the address or message is refused for good.
    raise ProviderError(f"SMTP {step} answered {code} {text}", retryable=not 500 <= code < 600)


class SmtpChannel:
    name = "email"
    idempotent = False  # SMTP servers do not drop a repeated Message-ID

    def __init__(
        self,
        host: str,
        port: int,
        mail_from: str,
        *,
        user: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = 10.0,
    ):
        self.host, self.port, self.sender = host, port, mail_from
        self.user, self.password, self.starttls, self.timeout = user, password, starttls, timeout

    def send(self, intent: dict, rendered, before_handoff) -> str:
        try:
            msg = build(intent, rendered, self.sender)
            data = msg.as_bytes(policy=SMTP)
        except (ValueError, TypeError, LookupError, email.errors.MessageError) as exc:
            # The message itself cannot be written (a header with a line break, an address the
            # library refuses): the same content fails the same way every time (issue 23).
            raise ProviderError(
                f"message cannot be built: {type(exc).__name__}: {exc}", retryable=False
            ) from exc
        data = re.sub(rb"(?m)^\.", b"..", data)  # dot-stuffing
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls()
                    smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password)
                _check(*smtp.mail(_address(self.sender)), "MAIL")
                _check(*smtp.rcpt(intent["recipient"]), "RCPT")
                smtp.putcmd("data")
                code, reply = smtp.getreply()
                if code != 354:
                    _check(code if code >= 400 else 451, reply, "DATA")
                smtp.send(data)
                before_handoff()
                smtp.send(b".\r\n")
                code, reply = smtp.getreply()
                _check(code, reply, "end of DATA")
        except ProviderError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise ProviderError(f"SMTP login refused: {exc.smtp_code}", retryable=False) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise ProviderError(f"SMTP unavailable: {type(exc).__name__}: {exc}") from exc
        queued = reply.decode("utf-8", "replace").strip()
        return f"{msg['Message-ID'].strip('<>')} {queued}".strip()[:200]


def _address(value: str) -> str:
    from email.utils import parseaddr

    return parseaddr(value)[1] or value


def from_settings(settings) -> SmtpChannel:
    return SmtpChannel(
        settings.smtp_host,
        settings.smtp_port,
        settings.mail_from,
        user=settings.smtp_user,
        password=settings.smtp_password,
        starttls=bool(settings.smtp_starttls),
        timeout=settings.notify_provider_timeout_s,
    )
