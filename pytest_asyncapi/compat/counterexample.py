"""Search for a concrete payload schema A admits and schema B rejects.

Payloads are drawn from A by :mod:`pytest_asyncapi.schemas.strategies`: ``targets`` steer it
towards the place the inclusion check pointed at (the witness value there, a property left
out). Hypothesis' ``find`` shrinks what it finds to a small payload; runs are derandomized, so
a CI run reports the same payload every time. Both sides are judged by
:func:`~pytest_asyncapi.schemas.compile.compile_schema`, the validator the rest of the product
uses: a payload is reported only when A's validator says VALID and B's says INVALID.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.schemas.compile import Verdict, compile_schema
from pytest_asyncapi.schemas.strategies import Generator

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_asyncapi.compat.subschema import Witness
    from pytest_asyncapi.spec.model import SchemaSpec

MAX_EXAMPLES = 200


@dataclass(frozen=True)
class Search:
    """What the search found: a payload (``found``) with B's first complaint, or why not."""

    found: bool
    payload: Any = None
    rejection: str = ""
    note: str = ""


def find_counterexample(
    a: SchemaSpec,
    b: SchemaSpec,
    *,
    targets: Mapping[str, Witness | None] | None = None,
    seeds: Sequence[Any] = (),
    max_examples: int = MAX_EXAMPLES,
) -> Search:
    """A payload ``a`` admits and ``b`` rejects, tried from ``seeds`` first, then generated."""
    admit, judge = compile_schema(a), compile_schema(b)
    for seed in seeds:
        if admit.is_valid(seed) and not judge.is_valid(seed):
            return _confirmed(a, b, seed)
    try:
        import hypothesis
        from hypothesis import HealthCheck, settings
        from hypothesis.errors import HypothesisException
    except ImportError:
        return Search(False, note="not searched: install hypothesis (pytest-asyncapi[compat])")
    strategy = Generator(dict(targets or {})).build(a.schema, "", 0)
    try:
        payload = hypothesis.find(
            strategy,
            lambda v: admit.is_valid(v) and not judge.is_valid(v),
            settings=settings(
                max_examples=max_examples,
                database=None,
                derandomize=True,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    except HypothesisException:
        return Search(
            False,
            note=f"no counterexample among {max_examples} generated payloads "
            "(the difference may be narrow, or only apparent)",
        )
    return _confirmed(a, b, payload)


def _confirmed(a: SchemaSpec, b: SchemaSpec, payload: Any) -> Search:
    accepted = compile_schema(a).check(payload)
    rejected = compile_schema(b).check(payload)
    if accepted.verdict is not Verdict.VALID or rejected.verdict is not Verdict.INVALID:
        return Search(False, note="a candidate payload did not hold up on re-check")
    first = rejected.violations[0]
    where = first.pointer or "/"
    return Search(True, payload, f"rejected at {where} [{first.keyword}]: {first.message}")
