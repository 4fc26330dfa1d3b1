"""Compile a :class:`SchemaSpec` once into a fast validator; check values against it.

``compile_schema(spec).is_valid(value)`` is the fast path (jsonschema-rs, plus a ~2 µs check
that the value is JSON); ``check(value)`` returns a :class:`CheckResult` and computes the full,
deterministically ordered violation list only when the value is invalid. A schema format we
cannot check gives a validator whose ``check`` says UNCHECKED with the reason (and whose
``is_valid`` is ``False``): never a silent pass.

``trusted=True`` skips the JSON check, for values that are plain JSON by construction: what
``orjson.loads`` returns (no NaN or infinities, ``str`` keys, nesting capped at 1024 levels,
which jsonschema-rs handles or refuses with a ``ValueError`` that ``check`` reports) and ``str``
values. An untrusted value nested deeper than 1000 levels is UNCHECKED; a trusted one up to
1024 levels deep is checked.
"""

from __future__ import annotations

import functools
import threading
import weakref
from typing import TYPE_CHECKING, Any, Protocol

import jsonschema_rs

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.errors import SchemaCompileError
from pytest_asyncapi.schemas.binary import compile_binary
from pytest_asyncapi.schemas.bundle import bundle
from pytest_asyncapi.schemas.dialects import Dialect, dialect_for, schema_support
from pytest_asyncapi.schemas.formats import callbacks_for
from pytest_asyncapi.schemas.values import ValueProblem, screen, walk
from pytest_asyncapi.schemas.violations import (
    CheckResult,
    SchemaViolation,
    Verdict,
    from_error,
    from_value_problem,
    sort_key,
)
from pytest_asyncapi.spec.model import SchemaSpec

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "CheckResult",
    "CompiledSchema",
    "SchemaViolation",
    "Verdict",
    "compile_schema",
    "schema_support",
]

_VALIDATORS: dict[str, Any] = {  # Any: our format callbacks return truthy values, not bool
    "draft-04": jsonschema_rs.Draft4Validator,
    "draft-06": jsonschema_rs.Draft6Validator,
    "draft-07": jsonschema_rs.Draft7Validator,
    "2019-09": jsonschema_rs.Draft201909Validator,
    "2020-12": jsonschema_rs.Draft202012Validator,
}
_VALID = CheckResult(Verdict.VALID)


class CompiledSchema(Protocol):
    """A schema ready to check values; ``reason`` is set when it cannot check anything."""

    @property
    def reason(self) -> str | None: ...

    def is_valid(self, value: Any, *, trusted: bool = False) -> bool: ...

    def check(self, value: Any, *, trusted: bool = False) -> CheckResult: ...


class UncheckedSchema:
    """Stands in for a schema in a format we cannot check: every value is UNCHECKED."""

    def __init__(self, reason: str) -> None:
        self.reason: str | None = reason
        self._result = CheckResult(Verdict.UNCHECKED, reason=reason)

    def is_valid(self, value: Any, *, trusted: bool = False) -> bool:
        return False

    def check(self, value: Any, *, trusted: bool = False) -> CheckResult:
        return self._result


class JsonSchemaValidator:
    """A JSON Schema (any draft; AsyncAPI Schema as draft-07) compiled by jsonschema-rs."""

    reason: str | None = None

    def __init__(self, spec: SchemaSpec, dialect: Dialect) -> None:
        # a copy: the cache must not keep the caller's spec alive
        self.spec = SchemaSpec(spec.schema, spec.schema_format, spec.pointer, spec.origins)
        self.draft = dialect.draft
        where = "#" + spec.pointer
        bundled = bundle(
            spec.schema, draft=self.draft, definitions=dialect.definitions_keyword, where=where
        )
        self._recursive = bundled.recursive
        try:
            self._validator: jsonschema_rs.Validator = _VALIDATORS[self.draft](
                bundled.schema,
                formats={
                    name: callback
                    for name, callback in callbacks_for(self.draft).items()
                    if name in bundled.formats
                },
                validate_formats=True,
                ignore_unknown_formats=True,
                offline=True,
            )
        except (ValueError, jsonschema_rs.ReferencingError) as exc:
            raise SchemaCompileError(where, _compile_problem(exc, self.draft)) from None

    @property
    def trusted_is_valid(self) -> Callable[[Any], bool]:
        """``is_valid(value, trusted=True)`` without the wrapper, for the fast path's loop; it
        raises ``ValueError`` where :meth:`is_valid` says False (a value jsonschema-rs refuses)."""
        return self._validator.is_valid

    def is_valid(self, value: Any, *, trusted: bool = False) -> bool:
        if not trusted and screen(value) is not None:
            return False
        try:
            return self._validator.is_valid(value)
        except ValueError:
            return False

    def check(self, value: Any, *, trusted: bool = False) -> CheckResult:
        problem = None if trusted else screen(value)
        if problem is None:
            try:
                if self._validator.is_valid(value):
                    return _VALID
                errors = list(self._validator.iter_errors(value))
            except ValueError as exc:
                problem = walk(value) or ValueProblem("", f"cannot be checked: {exc}", True)
        if problem is not None:
            if problem.too_deep:
                shown = problem.pointer if len(problem.pointer) < 80 else problem.pointer[:79] + "…"
                where = f" (at {shown})" if shown else ""
                return CheckResult(Verdict.UNCHECKED, reason=problem.message + where)
            return CheckResult(Verdict.INVALID, (from_value_problem(problem, self.spec, value),))
        undecided = [e for e in errors if _regex_gave_up(e)]
        decided = [e for e in errors if not _regex_gave_up(e)]
        if not decided:
            first = undecided[0]
            at = jsonpointer.join(first.instance_path) or "/"
            return CheckResult(
                Verdict.UNCHECKED,
                reason=f"a `pattern` could not be evaluated at {at} ({first.message}); "
                "the value was not checked against it",
            )
        found = {from_error(e, self.spec, value, self._recursive, self.draft) for e in decided}
        return CheckResult(Verdict.INVALID, tuple(sorted(found, key=sort_key)))


def _regex_gave_up(error: jsonschema_rs.ValidationError) -> bool:
    """The regex engine stopped (backtracking limit) instead of deciding the match."""
    return str(error.message).startswith("Error executing regex")


def _compile_problem(exc: Exception, draft: str) -> str:
    if isinstance(exc, jsonschema_rs.ValidationError):
        at = jsonpointer.join(exc.instance_path)
        where = f" at {at}" if at else ""
        return f"not a valid JSON Schema {draft}{where}: {exc.message}"
    return str(exc).split("\n", 1)[0]


def _compile(spec: SchemaSpec) -> CompiledSchema:
    if spec.unresolved is not None:
        return UncheckedSchema(spec.unresolved)
    binary = compile_binary(spec)  # Avro / Protobuf
    if binary is not None:
        return UncheckedSchema(binary) if isinstance(binary, str) else binary
    dialect = dialect_for(spec.schema_format)
    if isinstance(dialect, str):
        return UncheckedSchema(dialect)
    return JsonSchemaValidator(spec, dialect)


class _SpecCache:
    """Compiled validators by ``id(spec)``; an entry goes when its spec is garbage-collected."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref[SchemaSpec], CompiledSchema]] = {}
        self._lock = threading.RLock()

    def get(self, spec: SchemaSpec) -> CompiledSchema | None:
        hit = self._entries.get(id(spec))
        return hit[1] if hit is not None and hit[0]() is spec else None

    def put(self, spec: SchemaSpec, compiled: CompiledSchema) -> CompiledSchema:
        with self._lock:
            earlier = self.get(spec)
            if earlier is not None:
                return earlier
            key = id(spec)
            self._entries[key] = (weakref.ref(spec, functools.partial(self._forget, key)), compiled)
            return compiled

    def _forget(self, key: int, ref: weakref.ref[SchemaSpec]) -> None:
        with self._lock:
            if key in self._entries and self._entries[key][0] is ref:
                del self._entries[key]


_CACHE = _SpecCache()


def compile_schema(spec: SchemaSpec) -> CompiledSchema:
    """The validator for ``spec``, compiled once per ``SchemaSpec`` object.

    Raise :class:`SchemaCompileError` when the schema is not a valid schema of its dialect.
    """
    cached = _CACHE.get(spec)
    return cached if cached is not None else _CACHE.put(spec, _compile(spec))
