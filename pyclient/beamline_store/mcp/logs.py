"""Logging for ``beamline mcp``: stderr only (stdout carries the protocol), every line masked.

:class:`MaskingFilter` runs each record's final text through
:func:`beamline_store.secrets.mask_text` (passwords in URLs, ``BEAMLINE_HMAC_SECRET``, the
``DATABASE_URL`` password, and any extra secret registered here), tracebacks included.
"""

from __future__ import annotations

import logging
import sys

from ..secrets import mask_text

__all__ = ["MaskingFilter", "configure_logging"]


class MaskingFilter(logging.Filter):
    """Replace a record's message (and exception text) by its masked, fully formatted form."""

    def __init__(self, secrets: list[str | None] | None = None) -> None:
        super().__init__()
        self.secrets = list(secrets or [])

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        if record.stack_info:
            message += "\n" + record.stack_info
            record.stack_info = None
        record.msg = mask_text(message, self.secrets)
        record.args = None
        return True


def configure_logging(level: str = "WARNING", secrets: list[str | None] | None = None) -> None:
    """Send every log record (ours and the SDK's) to stderr through the masking filter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("beamline-mcp %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
