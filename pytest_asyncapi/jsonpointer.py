"""JSON Pointer (RFC 6901) helpers shared by the loader, validators and reports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable


def escape(token: str | int) -> str:
    """Escape one reference token: ``~`` -> ``~0``, ``/`` -> ``~1``."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """Undo :func:`escape`."""
    return token.replace("~1", "/").replace("~0", "~")


def join(tokens: Iterable[str | int]) -> str:
    """Tokens -> pointer string (``""`` is the whole document)."""
    return "".join("/" + escape(t) for t in tokens)


def child(pointer: str, *tokens: str | int) -> str:
    """``pointer`` extended by ``tokens``."""
    return pointer + join(tokens)


def split(pointer: str) -> list[str]:
    """Pointer string -> unescaped tokens. Raise ``ValueError`` if it is not a pointer."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer must be empty or start with '/': {pointer!r}")
    return [unescape(t) for t in pointer[1:].split("/")]


def resolve(document: Any, pointer: str) -> Any:
    """The value at ``pointer``; raise ``LookupError`` naming the first missing token."""
    node = document
    walked: list[str] = []
    for token in split(pointer):
        if isinstance(node, dict):
            if token not in node:
                raise LookupError(f"{join(walked) or '/'} has no member {token!r}")
            node = node[token]
        elif isinstance(node, list):
            if not _is_index(token) or int(token) >= len(node):
                raise LookupError(f"{join(walked) or '/'} has no item {token!r}")
            node = node[int(token)]
        else:
            raise LookupError(f"{join(walked) or '/'} is not an object or array")
        walked.append(token)
    return node


def _is_index(token: str) -> bool:
    """An RFC 6901 array index: ``0`` or digits without a leading zero (ASCII only)."""
    return token == "0" or (token[:1] in "123456789" and token.isascii() and token.isdigit())
