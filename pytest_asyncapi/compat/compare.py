"""Compare two declared schemas: the inclusion check, then the counterexample search.

``compare(a, b)`` answers "is every value ``a`` admits admitted by ``b``?". A missing schema
(``None``) admits any value. Where the inclusion check says NO or UNKNOWN, a payload ``a``
admits and ``b`` rejects is searched for; one found is the proof (the answer becomes NO),
none found leaves the answer as it was and says why. Never YES unless proven.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.compat.counterexample import find_counterexample
from pytest_asyncapi.compat.subschema import Answer, subschema
from pytest_asyncapi.errors import SchemaCompileError
from pytest_asyncapi.schemas.dialects import dialect_for
from pytest_asyncapi.schemas.jsonvalues import json_equal
from pytest_asyncapi.spec.model import SchemaSpec

if TYPE_CHECKING:
    from collections.abc import Sequence

_ANY_FORMAT = "application/vnd.aai.asyncapi;version=3.0.0"


@dataclass(frozen=True)
class Comparison:
    """The answer with its reason, the value pointer, and a counterexample when one exists."""

    answer: Answer
    reason: str = ""
    pointer: str = ""
    keyword: str = ""
    counterexample: Any = None
    has_counterexample: bool = False
    rejection: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"answer": self.answer.value, "reason": self.reason}
        if self.answer is not Answer.YES:
            data["pointer"] = self.pointer
            data["keyword"] = self.keyword
            if self.has_counterexample:
                data["counterexample"] = self.counterexample
                data["rejection"] = self.rejection
            if self.note:
                data["note"] = self.note
        return data


YES = Comparison(Answer.YES)


def compare(
    a: SchemaSpec | None,
    b: SchemaSpec | None,
    *,
    names: tuple[str, str] = ("A", "B"),
    seeds: Sequence[Any] = (),
    search: bool = True,
) -> Comparison:
    """Is every value ``a`` admits admitted by ``b``? ``names`` label them in reasons."""
    if b is None:
        return YES
    if a is None:
        a = SchemaSpec(True, b.schema_format or _ANY_FORMAT, "", {})
    unsupported = [s.schema_format for s in (a, b) if isinstance(dialect_for(s.schema_format), str)]
    if unsupported:
        same = a.schema_format == b.schema_format and json_equal(a.schema, b.schema)
        if same:
            return YES
        return Comparison(
            Answer.UNKNOWN,
            f"schema format {unsupported[0]} cannot be compared (only identical schemas are)",
        )
    dialect = dialect_for(b.schema_format)
    draft = "draft-07" if isinstance(dialect, str) else dialect.draft
    outcome = subschema(a.schema, b.schema, draft=draft, names=names)
    if outcome.answer is Answer.YES:
        return YES
    found = Comparison(outcome.answer, outcome.reason, outcome.pointer, outcome.keyword)
    if not search:
        return found
    try:
        result = find_counterexample(a, b, targets={outcome.pointer: outcome.witness}, seeds=seeds)
    except SchemaCompileError as error:
        return replace(found, note=f"not searched: {error}")
    if result.found:
        reason = found.reason
        if found.answer is Answer.UNKNOWN:
            reason = f"{names[1]} rejects a payload {names[0]} admits ({reason})"
        return replace(
            found,
            answer=Answer.NO,
            reason=reason,
            counterexample=result.payload,
            has_counterexample=True,
            rejection=result.rejection,
        )
    return replace(found, note=result.note)
