"""A Pact interaction's contents + matching rules -> the JSON Schema of what the consumer relies on.

Pact's rules, kept: a value with no applicable matcher must equal the example; a ``type``
matcher (and ``min``/``max``/``eachLike``, ``values``, ``notEmpty``) cascades to everything below
it, so nested values need only the example's JSON type; an object requires the keys its example
has and admits any others. A matcher this module cannot express is not dropped: its value is left
open in the schema and listed in :attr:`Expectations.unchecked`, so it is reported as unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_asyncapi.pact.dates import escape, format_regex
from pytest_asyncapi.pact.paths import Token, parse, render, weight

JSONSchema = dict[str, Any]

CASCADING = frozenset({"type", "min", "max", "values", "eachValue", "notEmpty", "eachKey"})
"""Matchers whose descendants are matched by type rather than by equality."""

_SEMVER = r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$"
_DEFAULT_FORMATS = {
    "date": "date",
    "datetime": "date-time",
    "timestamp": "date-time",
    "time": "time",
}


@dataclass(frozen=True)
class Unchecked:
    """A matcher that could not be turned into a schema: its value is left open."""

    path: str
    matcher: str
    why: str

    def render(self) -> str:
        return f"{self.path}: matcher {self.matcher!r} is not checked ({self.why})"


@dataclass(frozen=True)
class Rule:
    """The matchers at one path, combined by ``AND`` (all) or ``OR`` (any)."""

    path: tuple[Token, ...]
    matchers: tuple[dict[str, Any], ...]
    combine: str = "AND"

    @property
    def cascades(self) -> bool:
        return any(_kind(m) in CASCADING for m in self.matchers)


@dataclass(frozen=True)
class Expectations:
    """The schema of one part (body or metadata) and what of it is unchecked."""

    schema: JSONSchema
    unchecked: tuple[Unchecked, ...]


def read_rules(category: Any, *, file: str) -> tuple[Rule, ...]:
    """The rules of one category (``body``): ``{"$.a": {"matchers": [...], "combine": ...}}``;
    v2's ``{"$.a": {"match": "type"}}`` form is read too."""
    if not isinstance(category, dict):
        return ()
    rules = []
    for path, entry in category.items():
        if not isinstance(entry, dict):
            continue
        matchers = entry.get("matchers")
        if matchers is None:  # v2: the entry is the matcher
            matchers = [entry]
        combine = str(entry.get("combine", "AND")).upper()
        rules.append(
            Rule(
                parse(str(path), file=file),
                tuple(m for m in matchers if isinstance(m, dict)),
                combine,
            )
        )
    return tuple(rules)


def derive(value: Any, rules: tuple[Rule, ...]) -> Expectations:
    """The expectations on ``value`` (an example body) under ``rules``."""
    found: list[Unchecked] = []
    schema = _node(value, (), rules, cascade=False, unchecked=found)
    return Expectations(schema, tuple(found))


def _kind(matcher: dict[str, Any]) -> str:
    kind = matcher.get("match")
    if kind is None:  # v2 {"min": 1} means a type match with a minimum
        return "min" if "min" in matcher else "max" if "max" in matcher else "type"
    return str(kind)


def _best(path: tuple[Token, ...], rules: tuple[Rule, ...]) -> Rule | None:
    scored = [(weight(r.path, path), i, r) for i, r in enumerate(rules)]
    scored = [s for s in scored if s[0] > 0]
    if not scored:
        return None
    # Highest weight; among equals the longer path (more specific), then the last written.
    return max(scored, key=lambda s: (s[0], len(s[2].path), s[1]))[2]


def _node(
    value: Any,
    path: tuple[Token, ...],
    rules: tuple[Rule, ...],
    *,
    cascade: bool,
    unchecked: list[Unchecked],
) -> JSONSchema:
    rule = _best(path, rules)
    if rule is not None and len(rule.path) == len(path):
        return _apply(rule, value, path, rules, unchecked)
    if rule is not None and rule.cascades:
        cascade = True
    return _structure(value, path, rules, cascade=cascade, unchecked=unchecked)


def _structure(
    value: Any,
    path: tuple[Token, ...],
    rules: tuple[Rule, ...],
    *,
    cascade: bool,
    unchecked: list[Unchecked],
) -> JSONSchema:
    """A value matched by type (``cascade``) or by equality, its children likewise."""
    if isinstance(value, dict):
        return {
            "type": "object",
            "properties": {
                k: _node(v, (*path, k), rules, cascade=cascade, unchecked=unchecked)
                for k, v in value.items()
            },
            "required": list(value),
        }
    if isinstance(value, list):
        if cascade:
            out: JSONSchema = {"type": "array"}
            if value:
                out["items"] = _node(value[0], (*path, 0), rules, cascade=True, unchecked=unchecked)
            return out
        return {
            "type": "array",
            "items": [
                _node(v, (*path, i), rules, cascade=False, unchecked=unchecked)
                for i, v in enumerate(value)
            ],
            "minItems": len(value),
            "maxItems": len(value),
        }
    if cascade:
        return {"type": json_type(value)}
    return {"const": value}


def json_type(value: Any) -> str:
    """The JSON Schema type Pact's type matcher compares (all numbers are one type)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _apply(
    rule: Rule,
    value: Any,
    path: tuple[Token, ...],
    rules: tuple[Rule, ...],
    unchecked: list[Unchecked],
) -> JSONSchema:
    parts = [_matcher(m, value, path, rules, unchecked) for m in rule.matchers] or [{}]
    if len(parts) == 1:
        return parts[0]
    return {"anyOf": parts} if rule.combine == "OR" else {"allOf": parts}


def _matcher(
    matcher: dict[str, Any],
    value: Any,
    path: tuple[Token, ...],
    rules: tuple[Rule, ...],
    unchecked: list[Unchecked],
) -> JSONSchema:
    kind = _kind(matcher)
    where = render(path)
    if kind in ("type", "min", "max", "notEmpty"):
        out = _structure(value, path, rules, cascade=True, unchecked=unchecked)
        if isinstance(value, list):
            if "min" in matcher:
                out["minItems"] = int(matcher["min"])
            if "max" in matcher:
                out["maxItems"] = int(matcher["max"])
        if kind == "notEmpty":
            _not_empty(out, value)
        return out
    if kind == "regex":
        return {"type": "string", "pattern": full_match(str(matcher.get("regex", "")))}
    if kind == "integer":
        return {"type": "integer"}
    if kind == "decimal":
        return {"type": "number", "not": {"type": "integer"}}
    if kind == "number":
        return {"type": "number"}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "null":
        return {"type": "null"}
    if kind == "equality":
        return {"const": value}
    if kind == "include":
        return {"type": "string", "pattern": escape(str(matcher.get("value", "")))}
    if kind == "semver":
        return {"type": "string", "pattern": _SEMVER}
    if kind in _DEFAULT_FORMATS:
        return _date(kind, matcher, where, unchecked)
    if kind in ("values", "eachValue"):
        return _each_value(matcher, value, path, rules, unchecked)
    if kind == "eachKey":
        keys = [
            _matcher(m, "", (*path, "*"), (), unchecked)
            for m in matcher.get("rules", ())
            if isinstance(m, dict)
        ]
        out = _structure(value, path, rules, cascade=True, unchecked=unchecked)
        out.pop("required", None)
        if keys:
            out["propertyNames"] = keys[0] if len(keys) == 1 else {"allOf": keys}
        return out
    unchecked.append(Unchecked(where, kind, "this matcher has no JSON Schema equivalent here"))
    return {}


def full_match(regex: str) -> str:
    """A JSON Schema ``pattern`` (a search) for Pact's full-match ``regex``; an already
    anchored one is kept as written, so equal regexes compare as equal patterns."""
    if regex.startswith("^") and regex.endswith("$") and not regex.endswith("\\$"):
        return regex
    return f"^(?:{regex})$"


def _not_empty(schema: JSONSchema, value: Any) -> None:
    if isinstance(value, str):
        schema["minLength"] = 1
    elif isinstance(value, list):
        schema["minItems"] = max(1, int(schema.get("minItems", 0)))
    elif isinstance(value, dict):
        schema["minProperties"] = 1


def _date(kind: str, matcher: dict[str, Any], where: str, unchecked: list[Unchecked]) -> JSONSchema:
    pattern = matcher.get("format")
    if not pattern:
        return {"type": "string", "format": _DEFAULT_FORMATS[kind]}
    regex = format_regex(str(pattern))
    if regex is None:
        unchecked.append(Unchecked(where, kind, f"format {pattern!r} is not understood"))
        return {"type": "string"}
    return {"type": "string", "pattern": regex}


def _each_value(
    matcher: dict[str, Any],
    value: Any,
    path: tuple[Token, ...],
    rules: tuple[Rule, ...],
    unchecked: list[Unchecked],
) -> JSONSchema:
    """Every value of an object (``values`` / ``eachKeyLike``; v4 ``eachValue``) is like the
    example's first one; keys are free."""
    if not isinstance(value, dict):
        unchecked.append(Unchecked(render(path), _kind(matcher), "it applies to objects only"))
        return {}
    out: JSONSchema = {"type": "object"}
    if value:
        key, first = next(iter(value.items()))
        listed = matcher.get("rules")
        inner = (
            (Rule((*path, "*"), tuple(m for m in listed if isinstance(m, dict))),)
            if isinstance(listed, list)
            else ()
        )
        out["additionalProperties"] = _node(
            first, (*path, key), inner + rules, cascade=True, unchecked=unchecked
        )
    return out
