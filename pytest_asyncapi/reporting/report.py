"""The run's contract report as one JSON-able document, and its JSON writer.

The document's shape is published as ``report.schema.json`` beside this module (``version``
says which shape; additions bump the minor number, removals the major). Every writer (JSON,
HTML, the CLI's traffic checks) starts from :func:`build_report`. Knows nothing of pytest.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_asyncapi.check.coverage import Coverage
    from pytest_asyncapi.check.results import RunResults
    from pytest_asyncapi.spec.model import Spec

REPORT_VERSION = "1.1"
SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


def build_report(
    specs: Sequence[Spec],
    results: RunResults,
    coverage: Coverage,
    *,
    broker: Sequence[str] = (),
    consumers: Sequence[tuple[str, Spec]] = (),
    gate: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report document (see ``report.schema.json``).

    ``gate``: the run's verdict — ``{"strict", "coverage_min", "failed", "reasons"}``.
    """
    by_message = {(m.spec, m.channel, m.message, m.action): m for m in coverage.messages}
    return {
        "version": REPORT_VERSION,
        "tool": {"name": "pytest-asyncapi", "version": _tool_version()},
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "broker": list(broker),
        "gate": gate or {"strict": False, "coverage_min": None, "failed": False, "reasons": []},
        "totals": {
            "tests": results.tests,
            "messages": results.messages_total,
            "violations": results.violation_count,
            "undeclared": sum(results.undeclared.values()),
            "failing_tests": len(results.failing_tests),
            "stray_violations": results.stray_violations,
        },
        "coverage": {
            "percent": coverage.percent,
            "sent": {"total": len(coverage.sent), "seen": sum(m.covered for m in coverage.sent)},
            "received": {
                "total": len(coverage.received),
                "driven": sum(m.covered for m in coverage.received),
            },
        },
        "specs": [_spec(spec, results, by_message) for spec in specs],
        "consumers": [
            {
                "name": name,
                **_spec(spec, results, by_message),
                "expectations": [
                    {"channel": m.channel, "message": m.message, "seen": m.seen}
                    for m in coverage.expectations
                    if m.consumer == name
                ],
            }
            for name, spec in consumers
        ],
        "violations": results.violations,
        "violations_truncated": results.violation_count > len(results.violations),
        "failing_tests": dict(results.failing_tests),
        "undeclared": [{"destination": d, "count": n} for d, n in results.undeclared.most_common()],
        "between_tests": results.between_tests,
        "unchecked": results.unchecked,
        "replies": [
            {
                "spec": spec,
                "operation": operation,
                "request": request,
                "reply": reply,
                "outcome": outcome,
                "count": count,
            }
            for (spec, operation, request, reply, outcome), count in results.replies.items()
        ],
        "missing_replies": results.missing_replies,
        "windows": results.windows,
        "windows_truncated": results.windows_truncated,
    }


def _spec(spec: Spec, results: RunResults, by_message: dict[Any, Any]) -> dict[str, Any]:
    source = str(spec.source)
    channels = []
    for channel in spec.channels:
        counts = results.counts(source, channel.id)
        messages = []
        for message in channel.messages:
            name = message.display_name
            sent = by_message.get((source, channel.id, name, "send"))
            received = by_message.get((source, channel.id, name, "receive"))
            messages.append(
                {
                    "name": name,
                    "seen": counts.by_message[name],
                    "valid": counts.by_outcome[(name, "valid")],
                    "invalid": counts.by_outcome[(name, "invalid")],
                    "unchecked": counts.by_outcome[(name, "unchecked")],
                    "published_by_tests": results.published[(source, channel.id, name)],
                    "sent_by_application": sent is not None,
                    "received_by_application": received is not None,
                    "covered": bool(
                        (sent is not None and sent.covered)
                        or (received is not None and received.covered)
                    ),
                }
            )
        channels.append(
            {
                "id": channel.id,
                "address": channel.address,
                "seen": counts.seen,
                "valid": counts.valid,
                "invalid": counts.invalid,
                "unchecked": counts.unchecked,
                "messages": messages,
            }
        )
    operations = []
    for operation in spec.operations:
        names = [m.display_name for m in operation.messages]
        seen = results.counts(source, operation.channel_id).by_message
        operations.append(
            {
                "id": operation.id,
                "action": operation.action.value,
                "channel": operation.channel_id,
                "messages": names,
                "seen": sum(seen[n] for n in names),
                "published_by_tests": sum(
                    results.published[(source, operation.channel_id, n)] for n in names
                ),
            }
        )
    return {
        "path": source,
        "title": spec.title,
        "version": spec.version,
        "asyncapi": spec.asyncapi_version,
        "channels": channels,
        "operations": operations,
    }


def write_json(report: dict[str, Any], path: Path) -> None:
    """Write ``report`` to ``path`` (folders created), indented, UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _tool_version() -> str:
    try:
        return metadata.version("pytest-asyncapi")
    except metadata.PackageNotFoundError:
        return "unknown"
