"""Phone numbers never reach a log whole."""

from __future__ import annotations

import logging

from shared.logs import MaskingFormatter, PhoneMaskingFilter, mask_phone


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("call 13812345678 or 15900001111.") == "call 138****5678 or 159****1111."
    assert mask_phone("order 213812345678") == "order 213812345678"  # not a phone: longer digit run
    assert mask_phone("id 1381234567") == "id 1381234567"  # 10 digits


def test_log_records_are_masked_in_message_args_and_tracebacks():
    logger = logging.getLogger("test.mask")
    handler = logging.StreamHandler()
    lines = []
    handler.emit = lambda record: lines.append(handler.format(record))
    handler.setFormatter(MaskingFormatter("%(message)s"))
    handler.addFilter(PhoneMaskingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("registration from %s", "13812345678")
        try:
            raise ValueError("bad phone 13900001111")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = "\n".join(lines)
    assert "13812345678" not in text and "138****5678" in text
    assert "13900001111" not in text and "139****1111" in text
