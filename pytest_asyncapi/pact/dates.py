"""Pact date/time formats (Java ``DateTimeFormatter`` patterns) as regular expressions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

_META = frozenset("\\^$.|?*+()[]{}/")


def escape(text: str) -> str:
    """``text`` as a literal in a JSON Schema ``pattern`` (ECMA-262 and Rust regex agree)."""
    return "".join("\\" + c if c in _META else c for c in text)


_LETTERS: dict[str, Callable[[int], str]] = {
    "y": lambda n: r"\d{2}" if n == 2 else r"\d{4}",
    "u": lambda n: r"\d{2}" if n == 2 else r"\d{4}",
    "M": lambda n: r"[A-Za-z]+" if n >= 3 else (r"\d{2}" if n == 2 else r"\d{1,2}"),
    "L": lambda n: r"[A-Za-z]+" if n >= 3 else (r"\d{2}" if n == 2 else r"\d{1,2}"),
    "d": lambda n: r"\d{2}" if n == 2 else r"\d{1,2}",
    "D": lambda n: rf"\d{{{n},3}}",
    "H": lambda n: r"\d{2}" if n == 2 else r"\d{1,2}",
    "k": lambda n: r"\d{2}" if n == 2 else r"\d{1,2}",
    "K": lambda n: r"\d{2}" if n == 2 else r"\d{1,2}",
    "h": lambda n: r"\d{2}" if n == 2 else r"\d{1,2}",
    "m": lambda n: r"\d{2}" if n == 2 else r"\d{1,2}",
    "s": lambda n: r"\d{2}" if n == 2 else r"\d{1,2}",
    "S": lambda n: rf"\d{{{n}}}",
    "n": lambda n: r"\d+",
    "a": lambda n: r"(?:AM|PM|am|pm)",
    "E": lambda n: r"[A-Za-z]+",
    "e": lambda n: r"[A-Za-z0-9]+",
    "X": lambda n: r"(?:Z|[+-]\d{2}(?::?\d{2})?)",
    "x": lambda n: r"[+-]\d{2}(?::?\d{2})?",
    "Z": lambda n: r"(?:Z|[+-]\d{2}:?\d{2})",
    "z": lambda n: r"[A-Za-z_/+-]+",
    "V": lambda n: r"[A-Za-z_/+-]+",
    "O": lambda n: r"GMT(?:[+-]\d{1,2}(?::\d{2})?)?",
}


def format_regex(pattern: str) -> str | None:
    """A full-match regex for ``pattern`` (``yyyy-MM-dd'T'HH:mm:ss``); ``None`` when it uses a
    letter with no known meaning (the expectation is then reported unchecked)."""
    out: list[str] = []
    at = 0
    while at < len(pattern):
        char = pattern[at]
        if char == "'":
            end = pattern.find("'", at + 1)
            if end == at + 1:  # '' is a literal quote
                out.append("'")
                at += 2
                continue
            if end == -1:
                return None
            out.append(escape(pattern[at + 1 : end]))
            at = end + 1
        elif char.isalpha():
            run = at
            while run < len(pattern) and pattern[run] == char:
                run += 1
            make = _LETTERS.get(char)
            if make is None:
                return None
            out.append(make(run - at))
            at = run
        elif char == "[" or char == "]":
            return None  # optional sections are not supported
        else:
            out.append(escape(char))
            at += 1
    return "^" + "".join(out) + "$"
