"""Is every value schema A admits also admitted by schema B?  YES / NO / UNKNOWN.

Schemas are resolved JSON Schemas (``$ref`` inlined, recursion as cycles). The check is sound
in both directions: YES only when inclusion is proven, NO only when A admits a value B rejects
(the reason names it, ``pointer`` is where in the value, ``witness`` a value to try there).
Everything else is UNKNOWN.

How: ``allOf``/``anyOf``/``oneOf`` are expanded into alternatives of flat conjunctions (``oneOf``
is exact only when its branches are provably disjoint, by type or by a required property's
``const``/``enum``); then, per JSON type A allows, the keywords are compared: ``type``
(``integer`` inside ``number``), ``enum``/``const`` (a finite A is decided by validating each
value against B), bounds and ``multipleOf``, lengths, ``pattern`` (only equal patterns are
decided), checked ``format`` values, ``items``/``prefixItems``/tuple ``items``, item counts,
``uniqueItems``, ``properties``/``required``/``additionalProperties``/``patternProperties``,
property counts. A keyword we do not model is dropped: dropped from A it makes A larger (a NO
becomes UNKNOWN), dropped from B it makes B larger (a YES becomes UNKNOWN) — unless both sides
carry an identical copy. A pair of schemas already under comparison counts as included
(assume-guarantee), which decides recursive schemas.
"""

from __future__ import annotations

import enum
import itertools
import math
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.errors import SchemaCompileError
from pytest_asyncapi.schemas.bundle import is_dropped
from pytest_asyncapi.schemas.compile import compile_schema
from pytest_asyncapi.schemas.jsonvalues import (
    ALL_TYPES,
    json_equal,
    short,
    type_atoms,
    type_names,
    type_of,
)
from pytest_asyncapi.spec.model import SchemaSpec

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

CHECKED_FORMATS = frozenset(
    {
        "date-time", "date", "time", "email", "idn-email", "hostname", "idn-hostname", "ipv4",
        "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uri-template", "json-pointer",
        "relative-json-pointer", "regex", "uuid",
    }
)  # fmt: skip
"""Formats the validator checks; any other ``format`` is an annotation and constrains nothing."""

_TYPES_KEY = "\x00types"  # a part that only restricts the type atoms (set when splitting)
_COMPOSITION = frozenset({"allOf", "anyOf", "oneOf"})
_MODELLED = frozenset(
    {
        "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "multipleOf", "minLength", "maxLength", "pattern", "format", "items", "additionalItems",
        "prefixItems", "minItems", "maxItems", "uniqueItems", "properties", "required",
        "additionalProperties", "patternProperties", "minProperties", "maxProperties", "not",
        "definitions", "$defs", _TYPES_KEY,
    }
)  # fmt: skip
_MAX_BRANCHES = 64
_MAX_STEPS = 20_000
_FRESH_KEY = "unexpectedProperty"


class Answer(str, enum.Enum):
    """Three-valued result of an inclusion check."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Witness:
    """A value to try at a pointer (``absent``: leave the property out)."""

    value: Any = None
    absent: bool = False


@dataclass(frozen=True)
class Outcome:
    """The answer; for NO/UNKNOWN why, where in the value (``pointer``) and which keyword."""

    answer: Answer
    reason: str = ""
    pointer: str = ""
    keyword: str = ""
    witness: Witness | None = None


YES = Outcome(Answer.YES)


class _TooComplexError(Exception):
    pass


def subschema(
    a: Any, b: Any, *, draft: str = "draft-07", names: tuple[str, str] = ("A", "B")
) -> Outcome:
    """Does every value ``a`` admits satisfy ``b``? ``names`` label the two in reasons."""
    checker = _Checker(draft, names)
    try:
        return checker.check((a,), (b,), "")
    except (_TooComplexError, RecursionError) as exc:
        why = str(exc) or "the schemas nest too deeply"
        return Outcome(Answer.UNKNOWN, f"not decided: {why}")


def all_of(outcomes: Iterable[Outcome]) -> Outcome:
    """Conjunction: the first NO, else the first UNKNOWN, else YES."""
    unknown: Outcome | None = None
    for outcome in outcomes:
        if outcome.answer is Answer.NO:
            return outcome
        if outcome.answer is Answer.UNKNOWN and unknown is None:
            unknown = outcome
    return unknown or YES


@dataclass(frozen=True)
class _Branch:
    """One alternative: a conjunction of flat schemas; ``loose`` says why it over-approximates."""

    parts: tuple[Mapping[str, Any], ...]
    loose: tuple[str, ...] = ()

    def values(self, keyword: str) -> list[Any]:
        return [p[keyword] for p in self.parts if keyword in p]

    def with_part(self, part: Mapping[str, Any]) -> _Branch:
        return _Branch((*self.parts, part), self.loose)


def _types(branch: _Branch) -> frozenset[str]:
    atoms = ALL_TYPES
    for part in branch.parts:
        if "type" in part:
            atoms &= type_atoms(part["type"])
        if _TYPES_KEY in part:
            atoms &= part[_TYPES_KEY]
        for keyword in ("enum", "const"):
            if keyword in part:
                listed = part["enum"] if keyword == "enum" else [part["const"]]
                if isinstance(listed, list):
                    atoms &= frozenset(type_of(v) for v in listed)
    return atoms


def _product(left: list[_Branch], right: list[_Branch]) -> list[_Branch]:
    out = [_Branch(x.parts + y.parts, x.loose + y.loose) for x in left for y in right]
    if len(out) > _MAX_BRANCHES:
        raise _TooComplexError(f"more than {_MAX_BRANCHES} allOf/anyOf/oneOf alternatives")
    return out


class _Checker:
    def __init__(self, draft: str, names: tuple[str, str]) -> None:
        self.draft = draft
        self.a_name, self.b_name = names
        self.assumed: set[tuple[tuple[int, ...], tuple[int, ...]]] = set()
        self.steps = 0
        self._validators: dict[int, tuple[Any, Any]] = {}

    # -- validation of single values (finite cases) -------------------------------------

    def admits(self, node: Any, value: Any) -> bool:
        if node is True or (isinstance(node, dict) and not node):
            return True
        if node is False:
            return False
        if _TYPES_KEY in node:
            return type_of(value) in node[_TYPES_KEY]
        hit = self._validators.get(id(node))
        if hit is None:
            spec = SchemaSpec(node, f"application/schema+json;version={self.draft}", "")
            try:
                hit = (node, compile_schema(spec))
            except SchemaCompileError as error:
                raise _TooComplexError(f"a subschema cannot be compiled: {error}") from None
            self._validators[id(node)] = hit
        return bool(hit[1].is_valid(value))

    def admits_all(self, nodes: Iterable[Any], value: Any) -> bool:
        return all(self.admits(n, value) for n in nodes)

    # -- expansion -----------------------------------------------------------------------

    def expand(self, nodes: Sequence[Any]) -> list[_Branch]:
        branches = [_Branch(())]
        for node in nodes:
            branches = _product(branches, self.expand_one(node, ()))
        return branches

    def expand_one(self, node: Any, stack: tuple[int, ...]) -> list[_Branch]:
        if node is False:
            return []
        if not isinstance(node, dict):
            return [_Branch(())]
        if id(node) in stack:
            raise _TooComplexError("a schema contains itself through allOf/anyOf/oneOf")
        stack = (*stack, id(node))
        flat = {
            k: v for k, v in node.items() if k not in _COMPOSITION and not is_dropped(k, self.draft)
        }
        branches = [_Branch((flat,) if flat else ())]
        for member in _listed(node, "allOf"):
            branches = _product(branches, self.expand_one(member, stack))
        if "anyOf" in node:
            members = _listed(node, "anyOf")
            alternatives = [b for m in members for b in self.expand_one(m, stack)]
            branches = _product(branches, alternatives)
        if "oneOf" in node:
            members = _listed(node, "oneOf")
            loose = () if self.pairwise_disjoint(members) else ("oneOf (read as anyOf)",)
            alternatives = [
                _Branch(b.parts, b.loose + loose)
                for m in members
                for b in self.expand_one(m, stack)
            ]
            branches = _product(branches, alternatives)
        return branches

    def pairwise_disjoint(self, members: Sequence[Any]) -> bool:
        return all(self.disjoint((x,), (y,)) for x, y in itertools.combinations(members, 2))

    def disjoint(self, x: Sequence[Any], y: Sequence[Any]) -> bool:
        """Proven: no value satisfies both ``x`` and ``y`` (conjunctions of schemas)."""
        try:
            xs, ys = self.expand(x), self.expand(y)
        except _TooComplexError:
            return False
        return all(self.branches_disjoint(p, q) for p in xs for q in ys)

    def branches_disjoint(self, x: _Branch, y: _Branch) -> bool:
        if not _types(x) & _types(y):
            return True
        fx, fy = self.finite(x), self.finite(y)
        if fx is not None and not any(self.admits_all(y.parts, v) for v in fx):
            return True
        if fy is not None and not any(self.admits_all(x.parts, v) for v in fy):
            return True
        if not {"object"} & _types(x) & _types(y):
            return False
        shared = _required(x) & _required(y)
        for key in sorted(shared):
            kx, ky = _property_nodes(x, key), _property_nodes(y, key)
            if not kx or not ky:
                continue
            try:
                bx, by = self.expand(kx), self.expand(ky)
            except _TooComplexError:
                continue
            if len(bx) == 1 and len(by) == 1:
                vx, vy = self.finite(bx[0]), self.finite(by[0])
                if (
                    vx is not None
                    and vy is not None
                    and not any(json_equal(a, b) for a in vx for b in vy)
                ):
                    return True
        return False

    def empty(self, branch: _Branch, depth: int) -> bool:
        """Proven: the branch admits no value (no type left, or a required property can have
        no value), looking ``depth`` objects deep."""
        types = _types(branch)
        if not types:
            return True
        if types != {"object"} or depth == 0:
            return False
        for name in sorted(_required(branch)):
            nodes = _property_nodes(branch, name)
            try:
                alternatives = self.expand(nodes)
            except _TooComplexError:
                continue
            if all(self.empty(b, depth - 1) for b in alternatives):
                return True
        return False

    def finite(self, branch: _Branch) -> list[Any] | None:
        """Every value the branch admits, when that is a short list we can name."""
        types = _types(branch)
        candidates: list[Any] | None = None
        for keyword in ("const", "enum"):
            for listed in branch.values(keyword):
                values = [listed] if keyword == "const" else listed
                if isinstance(values, list):
                    candidates = values
                    break
            if candidates is not None:
                break
        if candidates is None:
            if types <= {"null", "boolean"}:
                candidates = [None, False, True]
            elif types == {"integer"}:
                low, high = _int_bounds(branch)
                if low is not None and high is not None and high - low <= 64:
                    candidates = list(range(low, high + 1))
        if candidates is None:
            return None
        out: list[Any] = []
        for value in candidates:
            if (
                type_of(value) in types
                and self.admits_all(branch.parts, value)
                and not any(json_equal(value, seen) for seen in out)
            ):
                out.append(value)
        return out

    # -- the check -----------------------------------------------------------------------

    def check(self, a: Sequence[Any], b: Sequence[Any], path: str) -> Outcome:
        self.steps += 1
        if self.steps > _MAX_STEPS:
            raise _TooComplexError(f"more than {_MAX_STEPS} comparisons")
        a = tuple(n for n in a if n is not True and n != {})
        b = tuple(n for n in b if n is not True and n != {})
        if not b:
            return YES
        if len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True)):
            return YES
        key = (tuple(map(id, a)), tuple(map(id, b)))
        if key in self.assumed:
            return YES
        self.assumed.add(key)
        try:
            a_branches, b_branches = self.expand(a), self.expand(b)
            results = []
            for branch in a_branches:
                outcome = self.branch_vs(branch, b, b_branches, path)
                if outcome.answer is Answer.NO and branch.loose:
                    outcome = _unsure(outcome, f"{self.a_name} uses {', '.join(branch.loose)}")
                results.append(outcome)
                if outcome.answer is Answer.NO:
                    break
            return all_of(results)
        finally:
            self.assumed.discard(key)

    def branch_vs(self, a: _Branch, b_nodes: Sequence[Any], b: list[_Branch], path: str) -> Outcome:
        types = _types(a)
        if not types or self.empty(a, 4):
            return YES
        values = self.finite(a)
        if values is not None:
            for value in values:
                if not self.admits_all(b_nodes, value):
                    return self.no(
                        path,
                        "enum",
                        f"{self.a_name} allows the value {short(value)}, {self.b_name} does not",
                        Witness(value),
                    )
            return YES
        if not b:
            return self.no(path, "false", f"{self.b_name} admits no value here", None)
        candidates = [x for x in b if _types(x) & types]
        if not candidates:
            return self.type_no(types, frozenset().union(*map(_types, b)), path)
        if len(candidates) == 1:
            return self.flat(a, candidates[0], path)
        results = [self.flat(a, x, path) for x in candidates]
        proven = next((r for r in results if r.answer is Answer.YES), None)
        if proven is not None:
            return proven
        if len(types) > 1:
            return all_of(
                self.branch_vs(a.with_part({_TYPES_KEY: frozenset({t})}), b_nodes, b, path)
                for t in sorted(types)
            )
        first = results[0]
        return Outcome(
            Answer.UNKNOWN,
            f"{self.b_name} has several alternatives here and no single one admits everything "
            f"{self.a_name} allows ({first.reason})",
            path,
            first.keyword,
            first.witness,
        )

    def no(self, path: str, keyword: str, reason: str, witness: Witness | None) -> Outcome:
        return Outcome(Answer.NO, reason, path, keyword, witness)

    def type_no(self, a_types: frozenset[str], b_types: frozenset[str], path: str) -> Outcome:
        extra = a_types - b_types
        return self.no(
            path,
            "type",
            f"{self.a_name} allows type {type_names(extra)}, {self.b_name} allows only "
            f"{type_names(b_types)}",
            Witness(_SAMPLES[min(extra)]),
        )

    def flat(self, a: _Branch, b: _Branch, path: str) -> Outcome:
        types = _types(a)
        b_types = _types(b)
        if types - b_types:
            return self.type_no(types, b_types, path)
        a_loose = list(a.loose) + _unmodelled(a, ()) + (["not"] if a.values("not") else [])
        b_loose = list(b.loose) + _unmodelled(b, a.parts)
        b_loose += ["not" for neg in b.values("not") if not self.disjoint(a.parts, (neg,))]
        outcome = all_of(self.keyword_checks(a, b, types, path))
        if outcome.answer is Answer.YES and b_loose:
            return Outcome(
                Answer.UNKNOWN,
                f"{self.b_name} uses {', '.join(sorted(set(b_loose)))}, which this check does "
                "not decide",
                path,
                sorted(set(b_loose))[0],
            )
        if outcome.answer is Answer.NO and a_loose:
            return _unsure(outcome, f"{self.a_name} uses {', '.join(sorted(set(a_loose)))}")
        return outcome

    def keyword_checks(
        self, a: _Branch, b: _Branch, types: frozenset[str], path: str
    ) -> Iterable[Outcome]:
        enums = b.values("enum") + [[c] for c in b.values("const")]
        if enums:
            yield Outcome(
                Answer.NO,
                f"{self.b_name} allows only {short(enums[0])}, {self.a_name} admits other values",
                path,
                "enum" if b.values("enum") else "const",
            )
        if types & {"integer", "fraction"}:
            yield from self.numbers(a, b, types, path)
        if "string" in types:
            yield from self.strings(a, b, path)
        if "array" in types:
            yield from self.arrays(a, b, path)
        if "object" in types:
            yield from self.objects(a, b, path)

    # -- numbers -------------------------------------------------------------------------

    def numbers(
        self, a: _Branch, b: _Branch, types: frozenset[str], path: str
    ) -> Iterable[Outcome]:
        integral = "fraction" not in types
        for side in ("lower", "upper"):
            a_bound, b_bound = _bound(a, side), _bound(b, side)
            if b_bound is None:
                continue
            if integral:
                a_int = _int_bound(a_bound, side)
                b_int = _int_bound(b_bound, side)
                assert b_int is not None
                ok = a_int is not None and (a_int >= b_int if side == "lower" else a_int <= b_int)
            else:
                ok = a_bound is not None and _within(a_bound, b_bound, side)
            if not ok:
                word = "minimum" if side == "lower" else "maximum"
                shown_a = "none" if a_bound is None else _show_bound(a_bound, side)
                yield self.no(
                    path,
                    word,
                    f"{self.b_name} has {word} {_show_bound(b_bound, side)}, "
                    f"{self.a_name} has {shown_a}",
                    _bound_witness(a_bound, b_bound, side, integral),
                )
        for step in b.values("multipleOf"):
            divisor = _fraction(step)
            if divisor is None or divisor <= 0:
                continue
            if integral and (1 / divisor).denominator == 1:
                continue
            mine = [_fraction(s) for s in a.values("multipleOf")]
            if any(m is not None and (m / divisor).denominator == 1 for m in mine):
                continue
            yield self.no(
                path,
                "multipleOf",
                f"{self.b_name} requires multiples of {step}, {self.a_name} does not",
                None,
            )

    # -- strings -------------------------------------------------------------------------

    def strings(self, a: _Branch, b: _Branch, path: str) -> Iterable[Outcome]:
        shaped = bool(a.values("pattern")) or any(f in CHECKED_FORMATS for f in a.values("format"))
        verdict = Answer.UNKNOWN if shaped else Answer.NO
        note = f" ({self.a_name}'s pattern/format may exclude those)" if shaped else ""
        for keyword, side in (("minLength", "lower"), ("maxLength", "upper")):
            mine, theirs = _count(a, keyword, side), _count(b, keyword, side)
            if theirs is not None and not _count_within(mine, theirs, side):
                yield Outcome(
                    verdict,
                    f"{self.b_name} has {keyword} {theirs}, {self.a_name} has "
                    f"{'none' if mine is None else mine}{note}",
                    path,
                    keyword,
                    Witness("x" * (theirs - 1 if side == "lower" else theirs + 1)),
                )
        a_patterns = set(p for p in a.values("pattern") if isinstance(p, str))
        for pattern in b.values("pattern"):
            if pattern not in a_patterns:
                yield Outcome(
                    Answer.UNKNOWN,
                    f"{self.b_name} requires pattern {pattern!r}, which {self.a_name} does not "
                    "state (inclusion of different regular expressions is not decided)",
                    path,
                    "pattern",
                )
        a_formats = set(a.values("format"))
        for name in b.values("format"):
            if name in CHECKED_FORMATS and name not in a_formats:
                yield Outcome(
                    Answer.UNKNOWN if a_patterns else Answer.NO,
                    f"{self.b_name} requires format {name!r}, {self.a_name} does not",
                    path,
                    "format",
                    Witness("not-a-" + name),
                )

    # -- arrays --------------------------------------------------------------------------

    def arrays(self, a: _Branch, b: _Branch, path: str) -> Iterable[Outcome]:
        for keyword, side in (("minItems", "lower"), ("maxItems", "upper")):
            mine, theirs = _count(a, keyword, side), _count(b, keyword, side)
            if theirs is not None and not _count_within(mine, theirs, side):
                yield self.no(
                    path,
                    keyword,
                    f"{self.b_name} has {keyword} {theirs}, {self.a_name} has "
                    f"{'none' if mine is None else mine}",
                    None,
                )
        a_max = _count(a, "maxItems", "upper")
        if (
            any(v is True for v in b.values("uniqueItems"))
            and not any(v is True for v in a.values("uniqueItems"))
            and (a_max is None or a_max > 1)
        ):
            yield self.no(
                path,
                "uniqueItems",
                f"{self.b_name} requires unique items, {self.a_name} does not",
                None,
            )
        prefix = max(_prefix_length(a), _prefix_length(b))
        for index in range(prefix + 1):
            if a_max is not None and index >= a_max:
                break
            yield self.check(
                _item_nodes(a, index), _item_nodes(b, index), jsonpointer.child(path, index)
            )

    # -- objects -------------------------------------------------------------------------

    def objects(self, a: _Branch, b: _Branch, path: str) -> Iterable[Outcome]:
        for keyword, side in (("minProperties", "lower"), ("maxProperties", "upper")):
            mine, theirs = _count(a, keyword, side), _count(b, keyword, side)
            if theirs is not None and not _count_within(mine, theirs, side):
                yield self.no(
                    path,
                    keyword,
                    f"{self.b_name} has {keyword} {theirs}, {self.a_name} has "
                    f"{'none' if mine is None else mine}",
                    None,
                )
        a_required = _required(a)
        for name in sorted(_required(b) - a_required):
            yield self.no(
                jsonpointer.child(path, name),
                "required",
                f"{self.b_name} requires property {name!r}, {self.a_name} does not",
                Witness(absent=True),
            )
        named = _named_keys(a) | _named_keys(b)
        for name in sorted(named):
            nodes = _property_nodes(a, name)
            if any(n is False for n in nodes):
                continue
            yield self.check(nodes, _property_nodes(b, name), jsonpointer.child(path, name))
        other_a, other_b = _other_nodes(a), _other_nodes(b)
        if other_a is not None and any(n is False for n in other_a):
            return
        if other_b is None or (other_a is None and other_b):
            yield Outcome(
                Answer.UNKNOWN,
                "patternProperties decide which other properties are allowed; not decided",
                path,
                "patternProperties",
            )
            return
        if other_a is None:
            return
        fresh = jsonpointer.child(path, _FRESH_KEY)
        sub = self.check(other_a, other_b, fresh)
        if sub.answer is Answer.NO and sub.pointer == fresh and any(n is False for n in other_b):
            sub = self.no(
                fresh,
                "additionalProperties",
                f"{self.b_name} forbids properties it does not name "
                f"(additionalProperties: false), {self.a_name} allows them",
                None,
            )
        yield sub


_SAMPLES: dict[str, Any] = {
    "null": None,
    "boolean": False,
    "integer": 0,
    "fraction": 0.5,
    "string": "",
    "array": [],
    "object": {},
}


def _unsure(outcome: Outcome, why: str) -> Outcome:
    return replace(
        outcome,
        answer=Answer.UNKNOWN,
        reason=f"{outcome.reason} — but {why}, which this check approximates",
    )


def _listed(node: Mapping[str, Any], keyword: str) -> list[Any]:
    value = node.get(keyword)
    return value if isinstance(value, list) else []


def _unmodelled(branch: _Branch, other: Sequence[Mapping[str, Any]]) -> list[str]:
    """Keywords of ``branch`` not modelled here and not carried identically by ``other``."""
    found = []
    for part in branch.parts:
        for keyword, value in part.items():
            if keyword in _MODELLED:
                continue
            if other and any(keyword in o and json_equal(o[keyword], value) for o in other):
                continue
            found.append(keyword)
    return found


def _required(branch: _Branch) -> set[str]:
    out: set[str] = set()
    for listed in branch.values("required"):
        if isinstance(listed, list):
            out.update(x for x in listed if isinstance(x, str))
    return out


def _named_keys(branch: _Branch) -> set[str]:
    keys = _required(branch)
    for props in branch.values("properties"):
        if isinstance(props, dict):
            keys.update(props)
    return keys


def _property_nodes(branch: _Branch, name: str) -> tuple[Any, ...]:
    """What each part says about property ``name`` (``properties``, patterns, or the rest)."""
    nodes: list[Any] = []
    for part in branch.parts:
        props = part.get("properties")
        if isinstance(props, dict) and name in props:
            nodes.append(props[name])
            continue
        matched = False
        patterns = part.get("patternProperties")
        if isinstance(patterns, dict):
            for pattern, node in patterns.items():
                if _search(pattern, name):
                    nodes.append(node)
                    matched = True
        if not matched and "additionalProperties" in part:
            nodes.append(part["additionalProperties"])
    return tuple(nodes)


def _other_nodes(branch: _Branch) -> tuple[Any, ...] | None:
    """What the parts say about a property none of them names; ``None`` if patterns decide."""
    nodes: list[Any] = []
    for part in branch.parts:
        if part.get("patternProperties"):
            if part.get("additionalProperties") is False:
                continue
            return None
        if "additionalProperties" in part:
            nodes.append(part["additionalProperties"])
    return tuple(nodes)


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def _prefix_length(branch: _Branch) -> int:
    longest = 0
    for part in branch.parts:
        for keyword in ("prefixItems", "items"):
            if isinstance(part.get(keyword), list):
                longest = max(longest, len(part[keyword]))
    return longest


def _item_nodes(branch: _Branch, index: int) -> tuple[Any, ...]:
    nodes: list[Any] = []
    for part in branch.parts:
        prefix = part.get("prefixItems")
        items = part.get("items")
        if isinstance(prefix, list):
            if index < len(prefix):
                nodes.append(prefix[index])
            elif "items" in part:
                nodes.append(items)
        elif isinstance(items, list):
            if index < len(items):
                nodes.append(items[index])
            elif "additionalItems" in part:
                nodes.append(part["additionalItems"])
        elif "items" in part:
            nodes.append(items)
    return tuple(nodes)


def _count(branch: _Branch, keyword: str, side: str) -> int | None:
    found = [v for v in branch.values(keyword) if isinstance(v, int) and not isinstance(v, bool)]
    if not found:
        return None
    return max(found) if side == "lower" else min(found)


def _count_within(mine: int | None, theirs: int, side: str) -> bool:
    if side == "lower":
        return theirs <= 0 or (mine is not None and mine >= theirs)
    return mine is not None and mine <= theirs


Bound = tuple[float | int, bool]
"""A numeric bound: (value, exclusive)."""


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _bound(branch: _Branch, side: str) -> Bound | None:
    plain, strict = (
        ("minimum", "exclusiveMinimum") if side == "lower" else ("maximum", "exclusiveMaximum")
    )
    found: list[Bound] = []
    for part in branch.parts:
        value: Any = part.get(plain)
        if _number(value):
            found.append((value, part.get(strict) is True))
        if _number(part.get(strict)):
            found.append((part[strict], True))
    if not found:
        return None
    if side == "lower":
        return max(found, key=lambda b: (b[0], b[1]))
    return min(found, key=lambda b: (b[0], not b[1]))


def _within(mine: Bound, theirs: Bound, side: str) -> bool:
    """Is ``mine`` at least as tight as ``theirs``?"""
    if mine[0] != theirs[0]:
        return mine[0] > theirs[0] if side == "lower" else mine[0] < theirs[0]
    return mine[1] or not theirs[1]


def _int_bound(bound: Bound | None, side: str) -> int | None:
    if bound is None:
        return None
    value, exclusive = bound
    if side == "lower":
        return math.floor(value) + 1 if exclusive else math.ceil(value)
    return math.ceil(value) - 1 if exclusive else math.floor(value)


def _int_bounds(branch: _Branch) -> tuple[int | None, int | None]:
    return _int_bound(_bound(branch, "lower"), "lower"), _int_bound(
        _bound(branch, "upper"), "upper"
    )


def _show_bound(bound: Bound, side: str) -> str:
    op = (">" if bound[1] else ">=") if side == "lower" else ("<" if bound[1] else "<=")
    return f"{op} {bound[0]}"


def _bound_witness(mine: Bound | None, theirs: Bound, side: str, integral: bool) -> Witness:
    step = -1 if side == "lower" else 1
    if mine is not None and not mine[1]:
        return Witness(mine[0])
    if mine is None:
        edge = _int_bound(theirs, side) if integral else theirs[0]
        assert edge is not None
        return Witness(edge + step)
    middle = (mine[0] + theirs[0]) / 2
    return Witness(round(middle) if integral else middle)


def _fraction(value: Any) -> Fraction | None:
    if not _number(value):
        return None
    try:
        return Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None
