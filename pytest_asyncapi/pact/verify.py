"""``verify`` for a pact: each interaction's expectations against the provider's document.

The consumer document built from the pact goes through the same static check as an AsyncAPI
consumer (three-valued: compatible / broken with a counterexample / needs review). On top, the
pact's own example contents must be valid against the provider's schema, a synchronous
interaction's request must be accepted by the provider, unmapped interactions are broken
(with the candidates), and unchecked matchers or binary contents make an expectation
"needs review" rather than compatible.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pytest_asyncapi.compat.verify import Expectation, Status, VerifyReport, verify
from pytest_asyncapi.pact.mapping import Mapped, Unmapped
from pytest_asyncapi.schemas.compile import Verdict, compile_schema

if TYPE_CHECKING:
    from pytest_asyncapi.pact.consumer import PactConsumer, PactExpectation
    from pytest_asyncapi.spec.model import Spec


def verify_pact(consumer: PactConsumer, provider: Spec, *, search: bool = True) -> VerifyReport:
    """Every interaction of ``consumer`` checked against ``provider``."""
    static = verify(consumer.spec, provider, search=search)
    by_key = {item.key: item for item in consumer.items}
    order = [
        by_key[m.key]
        for channel in consumer.spec.channels
        for m in consumer.spec.received_messages(channel)
    ]
    checked = {item.key: e for item, e in zip(order, static.expectations, strict=True)}
    expectations = []
    for item in consumer.items:
        if isinstance(item.target, Unmapped):
            expectations.append(
                Expectation("-", None, item.label, Status.BROKEN, item.target.render())
            )
        elif item.role == "request":
            expectations.append(_request(item, item.target))
        else:
            expectations.append(_refine(checked[item.key], item, item.target))
    return VerifyReport(str(consumer.pact.path), static.provider, tuple(expectations), static.notes)


def _example_problem(item: PactExpectation, target: Mapped) -> str | None:
    payload = target.candidate.message.payload
    if not item.contents.is_json or payload is None:
        return None
    result = compile_schema(payload).check(item.contents.body)
    if result.verdict is not Verdict.INVALID:
        return None
    first = result.violations[0]
    return (
        "the pact's example is not valid against the provider's schema: "
        f"{first.pointer or '/'} [{first.keyword}] {first.message}"
    )


def _refine(found: Expectation, item: PactExpectation, target: Mapped) -> Expectation:
    label = f"{item.label} -> {target.candidate.message.display_name}"
    found = replace(found, message=label)
    problem = _example_problem(item, target)
    if problem is not None:
        return replace(found, status=Status.BROKEN, reason=problem)
    if found.status is not Status.OK:
        return found
    if item.expectations is None:
        return replace(
            found,
            status=Status.NEEDS_REVIEW,
            reason=f"contents of type {item.contents.content_type} are not checked",
        )
    if item.expectations.unchecked:
        return replace(
            found,
            status=Status.NEEDS_REVIEW,
            reason="; ".join(u.render() for u in item.expectations.unchecked),
        )
    return found


def _request(item: PactExpectation, target: Mapped) -> Expectation:
    """A request the consumer sends: the provider must accept the pact's example."""
    theirs = target.candidate
    base = Expectation(
        theirs.channel.id,
        theirs.channel.address,
        f"{item.label} -> {theirs.message.display_name}",
        Status.OK,
        "the provider accepts the request",
        provider_channel=theirs.channel.id,
        provider_message=theirs.message.display_name,
    )
    problem = _example_problem(item, target)
    if problem is not None:
        return replace(base, status=Status.BROKEN, reason=problem.replace("example", "request"))
    if not item.contents.is_json:
        return replace(base, status=Status.NEEDS_REVIEW, reason="binary request not checked")
    return base
