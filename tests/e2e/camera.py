"""A fake camera for Chromium: a one-frame Y4M file showing a QR code.

Chromium (``--use-file-for-fake-video-capture=cam.y4m``) loops the file and reopens it at every
getUserMedia, so a test swaps the code with :func:`show` (an ``os.replace``) and restarts the
camera. The file must exist before Chromium starts, and must be 4:2:0: a 4:4:4 file fails with only
"Requested device not found".
"""

from __future__ import annotations

import os
from pathlib import Path

import qrcode
from PIL import Image

W, H = 640, 480


def frame(text: str | None, box: int = 6) -> Image.Image:
    """A white 640×480 frame with the QR code of ``text`` in the middle (blank if None)."""
    img = Image.new("RGB", (W, H), "white")
    if text:
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box, border=4)
        qr.add_data(text)
        qr.make(fit=True)
        code = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
        if code.width > H - 20:
            code = code.resize((H - 20, H - 20), Image.NEAREST)
        img.paste(code, ((W - code.width) // 2, (H - code.height) // 2))
    return img


def y4m_bytes(img: Image.Image) -> bytes:
    """One frame, YUV 4:2:0 with JPEG (full-range) chroma siting, as Chromium's fake camera reads."""
    img = img.convert("RGB").resize((W, H))
    y, cb, cr = img.convert("YCbCr").split()
    half = (W // 2, H // 2)
    planes = y.tobytes() + cb.resize(half, Image.BOX).tobytes() + cr.resize(half, Image.BOX).tobytes()
    return f"YUV4MPEG2 W{W} H{H} F10:1 Ip A1:1 C420jpeg\n".encode() + b"FRAME\n" + planes


def show(path: Path, text: str | None) -> None:
    """Put ``text``'s QR code in front of the camera (atomically: Chromium never reads half a file)."""
    path = Path(path)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(y4m_bytes(frame(text)))
    os.replace(tmp, path)
