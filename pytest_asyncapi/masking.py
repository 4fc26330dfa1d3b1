"""Credentials never shown: the one function every output passes broker URLs and errors through.

:func:`mask` rewrites, anywhere in a text, the userinfo of a URL (``nats://bob:secret@h:4222``
becomes ``nats://bob:***@h:4222``; a lone token ``nats://s3cr3t@h`` becomes ``nats://***@h``)
and the value of secret-looking query parameters (``?token=...``, ``password=`` ...).
Stdlib only, so the plugin can call it before anything heavy is imported.
"""

from __future__ import annotations

import re

MASK = "***"

_USERINFO = re.compile(
    r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^\s/?#,'\"@]+(?:@[^\s/?#,'\"@]+)*)@"
)
_SECRET_QUERY = re.compile(
    r"(?P<name>[?&;](?:token|auth_token|access_token|password|pass|pwd|secret|"
    r"api[_-]?key|jwt|nkey|seed|sig|signature)=)(?P<value>[^&;#\s'\"]+)",
    re.IGNORECASE,
)


def mask(text: str) -> str:
    """``text`` with every URL credential replaced by ``***`` (user names are kept)."""
    if "://" not in text and "=" not in text:
        return text
    text = _USERINFO.sub(_masked_userinfo, text)
    return _SECRET_QUERY.sub(lambda m: m.group("name") + MASK, text)


def _masked_userinfo(match: re.Match[str]) -> str:
    user, sep, _secret = match.group("userinfo").partition(":")
    shown = f"{user}:{MASK}" if sep else MASK  # no ':' -> the whole userinfo is a token
    return f"{match.group('scheme')}{shown}@"
