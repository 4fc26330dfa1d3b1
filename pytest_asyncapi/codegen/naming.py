"""Python names for things the document names: classes, functions, keyword arguments."""

from __future__ import annotations

import keyword
import re

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def words(text: str) -> list[str]:
    """``userSignedUp`` / ``user-signed.up`` / ``UserSignedUP`` -> their words."""
    return _WORDS.findall(text)


def class_name(text: str, fallback: str = "Model") -> str:
    """PascalCase, a valid identifier (``2fa`` -> ``N2fa``)."""
    name = "".join(w[:1].upper() + w[1:] for w in words(text)) or fallback
    return "N" + name if name[0].isdigit() else name


def snake_name(text: str, fallback: str = "value") -> str:
    """snake_case, a valid identifier that is not a keyword."""
    name = "_".join(w.lower() for w in words(text)) or fallback
    if name[0].isdigit():
        name = "n_" + name
    return name + "_" if keyword.iskeyword(name) or name in _RESERVED else name


_RESERVED = frozenset({"client", "model", "headers", "key", "producer", "self"})
"""Names the generated helpers use for their own arguments."""


class Names:
    """Hands out unique names in one namespace, deterministically (``Name``, ``Name2``...)."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken = {n.lower() for n in taken or set()}

    def claim(self, name: str) -> str:
        candidate, number = name, 1
        while candidate.lower() in self.taken:
            number += 1
            candidate = f"{name}{number}"
        self.taken.add(candidate.lower())
        return candidate
