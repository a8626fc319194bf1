"""The ticket's QR code as a PNG, for the confirmation email.

The same parameters as the registration service's ticket page (error correction M, 8 px modules,
a 4-module quiet zone), so a scanner treats both alike.  Copied, not imported: services do not
import each other.
"""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pil import PilImage


def png(code: str) -> bytes:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(code)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(PilImage, fill_color="black", back_color="white").save(buf, format="PNG")
    return buf.getvalue()
