"""Hypothesis strategies for values a resolved JSON Schema admits: valid test payloads
(:func:`value_strategy`, for ``pytest_asyncapi.generation``) and, steered at given pointers,
candidates for a compatibility counterexample (``compat.counterexample``).

Our own small generator (hypothesis-jsonschema cannot handle recursive schemas); every value
is kept only when :func:`~pytest_asyncapi.schemas.compile.compile_schema` accepts it, where
that matters, so formats and rules are the validator's.
"""

from __future__ import annotations

import contextlib
import re
import string
from typing import TYPE_CHECKING, Any, Protocol

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.schemas.compile import compile_schema
from pytest_asyncapi.schemas.jsonvalues import type_atoms

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from pytest_asyncapi.spec.model import SchemaSpec

_MAX_DEPTH = 5
_WORD = string.ascii_letters + string.digits + "-_"


class Steer(Protocol):
    """A value to try at a pointer (``absent``: leave the property out)."""

    @property
    def value(self) -> Any: ...

    @property
    def absent(self) -> bool: ...


def value_strategy(spec: SchemaSpec) -> SearchStrategy[Any]:
    """Values ``spec``'s schema admits: generated from the schema, kept only when the
    project's validator accepts them (so formats and rules are the validator's)."""
    generator = Generator({}, shaped_only=True)
    return generator.build(spec.schema, "", 0).filter(compile_schema(spec).is_valid)


class Generator:
    """Hypothesis strategies for values a resolved schema (probably) admits."""

    def __init__(self, targets: dict[str, Steer | None], *, shaped_only: bool = False) -> None:
        self.targets = targets
        self.shaped_only = shaped_only
        """Strings with a ``format`` or ``pattern`` come only from that shape (valid values);
        otherwise plain text is mixed in too (to find values that break it)."""

    def build(self, node: Any, path: str, depth: int) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        plain = st.deferred(lambda: self._node(node, path, depth))
        if path in self.targets:
            witness = self.targets[path]
            if witness is not None and not witness.absent:
                return st.one_of(st.just(witness.value), plain)
        return plain

    def _node(self, node: Any, path: str, depth: int) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        if node is False or depth > 3 * _MAX_DEPTH:
            return st.nothing()
        if not isinstance(node, dict):
            return _any_json()
        node = _merge_all_of(node)
        for keyword in ("anyOf", "oneOf"):
            members = node.get(keyword)
            if isinstance(members, list) and members:
                rest = {k: v for k, v in node.items() if k != keyword}
                return st.one_of(
                    [self.build(_merge_all_of({"allOf": [rest, m]}), path, depth) for m in members]
                )
        if isinstance(node.get("enum"), list) and node["enum"]:
            return st.sampled_from(node["enum"])
        if "const" in node:
            return st.just(node["const"])
        types = _types(node)
        return st.one_of([self._typed(node, t, path, depth) for t in types])

    def _typed(self, node: dict[str, Any], kind: str, path: str, depth: int) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        if kind == "null":
            return st.none()
        if kind == "boolean":
            return st.booleans()
        if kind in ("integer", "number"):
            return _numbers(node, kind)
        if kind == "string":
            return _strings(node, self.shaped_only)
        if kind == "array":
            return self._array(node, path, depth)
        return self._object(node, path, depth)

    def _array(self, node: dict[str, Any], path: str, depth: int) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        prefix = node.get("prefixItems")
        items = node.get("items", True)
        if isinstance(items, list):
            prefix, items = items, node.get("additionalItems", True)
        prefix = prefix if isinstance(prefix, list) else []
        low = _int(node.get("minItems"), 0)
        if any(p.startswith(path + "/") for p in self.targets):
            low = max(low, 1)
        high = _int(node.get("maxItems"), low + (2 if depth < _MAX_DEPTH else 0))
        high = max(low, min(high, low + 3))
        head = [self.build(p, jsonpointer.child(path, i), depth + 1) for i, p in enumerate(prefix)]
        tail = self.build(items, jsonpointer.child(path, len(prefix)), depth + 1)

        def assemble(parts: tuple[list[Any], list[Any]]) -> list[Any]:
            return [*parts[0], *parts[1]]

        rest_low, rest_high = max(0, low - len(prefix)), max(0, high - len(prefix))
        unique = node.get("uniqueItems") is True
        listed = st.lists(
            tail, min_size=rest_low, max_size=rest_high, unique_by=_key if unique else None
        )
        return st.tuples(st.tuples(*head).map(list), listed).map(assemble)

    def _object(self, node: dict[str, Any], path: str, depth: int) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        declared = node.get("properties")
        props: dict[str, Any] = declared if isinstance(declared, dict) else {}
        required = [r for r in node.get("required", []) if isinstance(r, str)]
        extra = node.get("additionalProperties", True)
        forced: set[str] = set()
        banned: set[str] = set()
        for target, witness in self.targets.items():
            if not target.startswith(path + "/"):
                continue
            name, _, below = target[len(path) + 1 :].partition("/")
            leave_out = not below and witness is not None and witness.absent
            (banned if leave_out else forced).add(jsonpointer.unescape(name))
        fields: dict[str, SearchStrategy[Any]] = {}
        optional: dict[str, SearchStrategy[Any]] = {}
        for name in dict.fromkeys([*required, *props, *forced]):
            if name in banned:
                continue
            schema = props.get(name, extra)
            strategy = self.build(schema, jsonpointer.child(path, name), depth + 1)
            if name in required or name in forced:
                fields[name] = strategy
            elif depth < _MAX_DEPTH:
                optional[name] = strategy
        if extra is not False and depth < _MAX_DEPTH:
            optional["extra"] = self.build(extra, jsonpointer.child(path, "extra"), depth + 1)
        return st.fixed_dictionaries(fields, optional=optional)


def _merge_all_of(node: dict[str, Any]) -> dict[str, Any]:
    """Fold ``allOf`` members into one schema (the generator's guess; the validator judges)."""
    members = node.get("allOf")
    if not isinstance(members, list):
        return node
    merged = {k: v for k, v in node.items() if k != "allOf"}
    for member in members:
        if not isinstance(member, dict):
            continue
        member = _merge_all_of(member)
        for key, value in member.items():
            if key == "properties" and isinstance(value, dict):
                props = dict(merged.get("properties", {}))
                for name, schema in value.items():
                    props[name] = {"allOf": [props[name], schema]} if name in props else schema
                merged["properties"] = props
            elif key == "required" and isinstance(value, list):
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
            elif key == "type" and "type" in merged:
                both = type_atoms(merged["type"]) & type_atoms(value)
                merged["type"] = sorted({"fraction": "number"}.get(t, t) for t in both)
            else:
                merged.setdefault(key, value)
    return merged


_KEYWORD_TYPES = (
    ("properties", "object"), ("required", "object"), ("additionalProperties", "object"),
    ("items", "array"), ("prefixItems", "array"), ("minItems", "array"),
    ("pattern", "string"), ("format", "string"), ("minLength", "string"),
    ("maxLength", "string"), ("minimum", "number"), ("maximum", "number"),
)  # fmt: skip


def _types(node: dict[str, Any]) -> list[str]:
    declared = node.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list) and declared:
        return [t for t in declared if isinstance(t, str)]
    implied = [kind for keyword, kind in _KEYWORD_TYPES if keyword in node]
    if implied:
        return list(dict.fromkeys(implied))
    return ["null", "boolean", "integer", "number", "string", "array", "object"]


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _num(value: Any) -> float | int | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _numbers(node: dict[str, Any], kind: str) -> SearchStrategy[Any]:
    from hypothesis import strategies as st

    low, high = _num(node.get("minimum")), _num(node.get("maximum"))
    low_x, high_x = _num(node.get("exclusiveMinimum")), _num(node.get("exclusiveMaximum"))
    if node.get("exclusiveMinimum") is True and low is not None:
        low_x, low = low, None
    if node.get("exclusiveMaximum") is True and high is not None:
        high_x, high = high, None
    step = _num(node.get("multipleOf"))
    if kind == "integer" or step is not None:
        lo = low if low is not None else (low_x + 1 if low_x is not None else None)
        hi = high if high is not None else (high_x - 1 if high_x is not None else None)
        whole = st.integers(
            min_value=None if lo is None else int(lo) - 1,
            max_value=None if hi is None else int(hi) + 1,
        )
        return whole if step is None else whole.map(lambda n: n * step)
    floats = st.floats(
        min_value=low if low is not None else low_x,
        max_value=high if high is not None else high_x,
        exclude_min=low is None and low_x is not None,
        exclude_max=high is None and high_x is not None,
        allow_nan=False,
        allow_infinity=False,
    )
    return st.one_of(st.integers(min_value=-5, max_value=5), floats)


def _format_strategy(name: str) -> SearchStrategy[str] | None:
    from hypothesis import strategies as st

    if name == "date-time":
        return st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
    if name == "date":
        return st.dates().map(lambda d: d.isoformat())
    if name == "time":
        return st.times().map(lambda t: t.strftime("%H:%M:%SZ"))
    if name == "uuid":
        return st.uuids().map(str)
    if name == "email":
        return st.from_regex(r"\A[a-z]{1,8}@[a-z]{1,8}\.(com|org)\Z")
    if name in ("uri", "iri"):
        return st.from_regex(r"\Ahttps://[a-z]{1,8}\.example/[a-z]{0,6}\Z")
    if name == "ipv4":
        return st.ip_addresses(v=4).map(str)
    if name == "ipv6":
        return st.ip_addresses(v=6).map(str)
    if name == "hostname":
        return st.from_regex(r"\A[a-z]{1,8}(\.[a-z]{1,8}){0,2}\Z")
    return None


def _strings(node: dict[str, Any], shaped_only: bool = False) -> SearchStrategy[Any]:
    from hypothesis import strategies as st

    low = _int(node.get("minLength"), 0)
    high = _int(node.get("maxLength"), low + 12)
    plain = st.text(alphabet=_WORD, min_size=low, max_size=max(low, high))
    choices = [plain]
    pattern = node.get("pattern")
    if isinstance(pattern, str):
        with contextlib.suppress(re.error):  # an ECMA-only regex: plain text only
            choices.insert(0, st.from_regex(pattern))
    fmt = node.get("format")
    shaped = _format_strategy(fmt) if isinstance(fmt, str) else None
    if shaped is not None:
        choices.insert(0, shaped)
    if shaped_only and len(choices) > 1:
        choices = choices[:1]
    return st.one_of(choices)


def _any_json() -> SearchStrategy[Any]:
    from hypothesis import strategies as st

    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-10, 10),
        st.floats(-10, 10),
        st.text(_WORD, max_size=6),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.text(_WORD, max_size=6), inner, max_size=3),
        ),
        max_leaves=5,
    )


def _key(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True)
