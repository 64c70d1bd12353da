"""Masking of secrets (passwords in connection strings, the HMAC key) in text shown to people."""

from __future__ import annotations

import os
import re

__all__ = ["MASK", "mask_text", "mask_url"]

MASK = "[MASKED]"

# postgresql://user:secret@host  and  password=secret (conninfo keywords, quoted or not)
_URL_PASSWORD = re.compile(r"(?P<pre>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?=@)", re.I)
_KW_PASSWORD = re.compile(r"(?P<pre>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|[^\s&]+)", re.I)


def mask_url(url: str) -> str:
    """*url* (URL or ``key=value`` conninfo) with any password replaced by ``[MASKED]``."""
    url = _URL_PASSWORD.sub(lambda m: m["pre"] + MASK, url)
    return _KW_PASSWORD.sub(lambda m: m["pre"] + MASK, url)


def mask_text(text: str, secrets: list[str | None] | None = None) -> str:
    """*text* with passwords in URLs and every known secret value replaced by ``[MASKED]``.

    Known secrets are *secrets* plus ``BEAMLINE_HMAC_SECRET`` and the password of
    ``DATABASE_URL`` from the environment.
    """
    values = list(secrets or [])
    values.append(os.environ.get("BEAMLINE_HMAC_SECRET"))
    db_url = os.environ.get("DATABASE_URL")
    if db_url:
        for pattern in (_URL_PASSWORD, _KW_PASSWORD):
            for m in pattern.finditer(db_url):
                values.append(m["pw"].strip("'"))
    text = mask_url(text)
    for value in sorted({v for v in values if v and len(v) >= 4}, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text
