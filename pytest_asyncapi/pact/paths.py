"""Pact matching-rule paths (``$.items[*].sku``, ``$['a b']``, ``$.*``) and their weights.

A rule applies to the node at its path and, for the cascading matchers (``type`` and its
relatives), to every node below it; the most specific rule wins, as in Pact's own matcher.
"""

from __future__ import annotations

import re

from pytest_asyncapi.errors import SpecError

Token = str | int
"""A path token: a property name, an array index, ``*`` (any property) or ``[*]`` (any item)."""

WILDCARDS = ("*", "[*]")

_TOKEN = re.compile(
    r"""\.(?P<name>[^.\[\]]+)        # .name or .*
      | \[(?P<index>\d+|\*)\]         # [0] or [*]
      | \['(?P<quoted>(?:[^'\\]|\\.)*)'\]  # ['a b']
    """,
    re.VERBOSE,
)


def parse(path: str, *, file: str) -> tuple[Token, ...]:
    """``$.a[*].b`` -> ``("a", "[*]", "b")``; raise :class:`SpecError` for a malformed path."""
    text = path.strip()
    if text.startswith("$"):
        text = text[1:]
    elif text:
        text = "." + text  # Pact v2 style without the leading ``$``
    tokens: list[Token] = []
    at = 0
    while at < len(text):
        found = _TOKEN.match(text, at)
        if found is None:
            raise SpecError(
                f"matching rule path {path!r} cannot be read at character {at + 1}",
                file=file,
                hint="paths look like $.field, $.list[*].field or $['odd name']",
            )
        if found.group("name") is not None:
            tokens.append(found.group("name"))
        elif found.group("index") is not None:
            index = found.group("index")
            tokens.append("[*]" if index == "*" else int(index))
        else:
            tokens.append(re.sub(r"\\(.)", r"\1", found.group("quoted")))
        at = found.end()
    return tuple(tokens)


def weight(rule: tuple[Token, ...], node: tuple[Token, ...]) -> int:
    """How specifically ``rule`` names ``node`` or one of its ancestors; 0 when it does not.

    Exact tokens count 2, wildcards 1, so ``$.a[0]`` beats ``$.a[*]``, which beats ``$.a``.
    """
    if len(rule) > len(node):
        return 0
    score = 1
    for mine, theirs in zip(rule, node, strict=False):
        if mine in WILDCARDS:
            score += 1
        elif mine == theirs:
            score += 2
        else:
            return 0
    return score


def render(tokens: tuple[Token, ...]) -> str:
    """The Pact spelling of a token path (``$.a[0].b``)."""
    out = "$"
    for token in tokens:
        if isinstance(token, int) or token == "[*]":
            out += f"[{token}]" if isinstance(token, int) else "[*]"
        elif token == "*":
            out += ".*"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", token):
            out += "." + token
        else:
            out += "['" + token.replace("\\", "\\\\").replace("'", "\\'") + "']"
    return out
