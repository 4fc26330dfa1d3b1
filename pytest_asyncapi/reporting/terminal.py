"""Plain-text rendering: a test's violations, and the end-of-session summary."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.check.contract import MessageVerdict, Outcome, Violation

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_asyncapi.check.results import RunResults, TestOutcome
    from pytest_asyncapi.spec.model import Spec

DOCS_HINT = "how to read this: README, section 'Reading a contract failure'"


def render_violations(violations: Sequence[Violation]) -> list[str]:
    """Violations grouped by spec/channel/message; identical ones collapsed with a count."""
    lines: list[str] = []
    counts = Counter(v.signature() for v in violations)
    shown: set[tuple[str, ...]] = set()
    group: tuple[str | None, str, str, str | None, str | None] | None = None
    for violation in violations:
        signature = violation.signature()
        if signature in shown:
            continue
        shown.add(signature)
        heading = (
            violation.consumer,
            violation.spec,
            violation.channel,
            violation.message,
            violation.reply_of,
        )
        if heading != group:
            group = heading
            name = f" · message {violation.message}" if violation.message else ""
            if violation.reply_of:
                name = f" · operation {violation.reply_of} reply{name}"
            whose = f"breaks {violation.consumer}'s contract: " if violation.consumer else ""
            lines.append(f"{whose}{violation.spec} · channel {violation.channel}{name}")
        where = violation.pointer or "/"
        lines.append(
            f"  {violation.part} {where} [{violation.keyword}]: {violation.text}"
            + (f"  (x{counts[signature]})" if counts[signature] > 1 else "")
        )
        lines.append(f"    seen on {violation.destination!r}")
        if violation.schema_excerpt:
            lines.append(f"    schema {violation.schema_location}: {violation.schema_excerpt}")
        if violation.value_excerpt:
            lines.append(f"    value: {violation.value_excerpt}")
    return lines


def render_test_failure(outcome: TestOutcome, *, strict: bool) -> str | None:
    """The failure text for a test, or ``None`` when the test kept the contract."""
    violations = outcome.violations
    problems: list[str] = []
    if violations:
        messages = sum(1 for v in outcome.verdicts if v.outcome is Outcome.INVALID)
        problems.append(
            f"AsyncAPI contract broken: {len(violations)} violation(s) in {messages} "
            f"message(s) published during this test"
        )
        problems += render_violations(violations)
    if strict:
        problems += _strict_lines(outcome.unchecked, outcome.undeclared)
    return "\n".join([*problems, DOCS_HINT]) if problems else None


def _strict_lines(
    unchecked: Sequence[MessageVerdict], undeclared: Sequence[MessageVerdict]
) -> list[str]:
    lines = []
    if unchecked:
        lines.append(f"--asyncapi-strict: {len(unchecked)} message(s) could not be checked:")
        for verdict in unchecked[:10]:
            reasons = "; ".join(verdict.reasons) or "no reason given"
            lines.append(f"  {verdict.captured.destination}: {reasons}")
    if undeclared:
        destinations = Counter(v.captured.destination for v in undeclared)
        lines.append(
            "--asyncapi-strict: message(s) on destinations no channel declares: "
            + ", ".join(f"{d!r} x{n}" for d, n in destinations.most_common())
        )
    return lines


def render_summary(
    specs: Sequence[Spec],
    results: RunResults,
    routes: dict[str, str],
    consumers: Sequence[tuple[str, Spec]] = (),
) -> list[str]:
    """Per spec and channel: seen / valid / invalid / unchecked; then each consumer's view;
    then undeclared destinations and messages between tests."""
    lines = []
    for spec in specs:
        lines.append(
            f"{spec.source} ({spec.title} {spec.version}, AsyncAPI {spec.asyncapi_version})"
        )
        width = max((len(c.id) for c in spec.channels), default=10)
        lines.append(f"  {'channel':<{width}}  seen  valid  invalid  unchecked  destination")
        for channel in spec.channels:
            c = results.counts(str(spec.source), channel.id)
            replies = any(op.reply and op.reply.channel_id == channel.id for op in spec.operations)
            dynamic = "(replies to requests)" if replies else "(dynamic address: not captured)"
            destination = routes.get(f"{spec.source}#{channel.id}", dynamic)
            lines.append(
                f"  {channel.id:<{width}}  {c.seen:>4}  {c.valid:>5}  {c.invalid:>7}  "
                f"{c.unchecked:>9}  {destination}"
            )
    for name, spec in consumers:
        lines.append(f"consumer {name}: {spec.source} (what it expects to receive)")
        for channel in spec.channels:
            if not spec.received_messages(channel):
                continue
            c = results.counts(str(spec.source), channel.id)
            lines.append(
                f"  {channel.id}  seen {c.seen}, valid {c.valid}, invalid {c.invalid}, "
                f"unchecked {c.unchecked}"
            )
    if results.undeclared:
        lines.append("undeclared destinations (no channel in any spec):")
        lines += [f"  {d!r}: {n} message(s)" for d, n in results.undeclared.most_common()]
    for window in results.between_tests:
        lines.append(
            f"{window['label']}: {window['messages']} message(s), "
            f"{window['violations']} violation(s)"
        )
        kept = [_violation(v) for v in results.violations if v["test"] == window["label"]]
        lines += ["  " + line for line in render_violations(kept)]
    if results.failing_tests:
        lines.append(f"tests that broke the contract: {len(results.failing_tests)}")
        lines += [f"  {label} ({n} violation(s))" for label, n in results.failing_tests.items()]
    return lines


def _violation(data: dict[str, Any]) -> Violation:
    """A violation back from its record form (the ``test`` key is dropped)."""
    return Violation(**{k: v for k, v in data.items() if k != "test"})


def render_replies(results: RunResults) -> list[str]:
    """Request -> reply pairs per operation, then the requests that got no reply."""
    if not results.replies:
        return []
    lines = ["request/reply (request -> reply):"]
    grouped: dict[tuple[str, str, str, str | None], Counter[str]] = {}
    for (spec, operation, request, reply, outcome), count in results.replies.items():
        grouped.setdefault((spec, operation, request, reply), Counter())[outcome] += count
    for (spec, operation, request, reply), outcomes in grouped.items():
        shown = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
        lines.append(f"  {spec} · {operation}: {request} -> {reply or '(no reply)'}  {shown}")
    if results.missing_replies:
        lines.append(f"warning: {len(results.missing_replies)} request(s) got no reply:")
        lines += [
            f"  {m['test']}: {m['spec']} · {m['operation']}: request {m['request']!r}"
            for m in results.missing_replies[:20]
        ]
    return lines
