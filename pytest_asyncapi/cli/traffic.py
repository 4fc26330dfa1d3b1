"""``asyncapi-contract check-traffic`` and ``record``: the contract gate outside pytest.

``check-traffic SPEC... --input FILE`` judges recorded messages (JSON Lines, the format of
:mod:`pytest_asyncapi.check.traffic`; ``-`` reads standard input) offline. ``record SPEC... --broker
URL --duration S | --count N`` captures from a live broker (every destination the specs
declare, plus a catch-all), optionally writes what it saw in the same format (``--output``),
then judges it exactly like ``check-traffic``. Both print the plugin's summary and the
violations, and write the same JSON / HTML reports.

Exit codes: 0 every message keeps the contract (and coverage >= ``--coverage-min``);
1 violations, or coverage below the minimum, or with ``--strict`` unchecked messages or
undeclared destinations; 2 usage error, unreadable spec or input, malformed record, broker
unreachable or lost; 3 nothing invalid, but some messages could not be checked or were on
destinations no channel declares (without ``--strict``).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.brokers import registry
from pytest_asyncapi.cli.output import UsageProblem, emit_json

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from pytest_asyncapi.brokers.base import CaptureAdapter
    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.check.coverage import Coverage
    from pytest_asyncapi.check.results import RunResults
    from pytest_asyncapi.routing import Router
    from pytest_asyncapi.spec.model import Spec
    from pytest_asyncapi.spec.options import LoadOptions

COMMANDS = ("check-traffic", "record")
POLL = 0.25
"""Longest single wait for new messages while recording (a wait, not a sleep: it returns
as soon as a message arrives)."""
EXIT_HELP = (
    "exit codes: 0 every message valid (and coverage >= --coverage-min); 1 violations, "
    "coverage below the minimum, or (--strict) unchecked/undeclared messages; 2 usage error, "
    "unreadable input or broker; 3 nothing invalid but some messages unchecked or undeclared"
)


def add_subcommands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> list[argparse.ArgumentParser]:
    """Register ``check-traffic`` and ``record``; return their parsers (for shared options)."""
    check = commands.add_parser(
        "check-traffic",
        help="check recorded messages (JSON Lines) against the specs",
        description="Judge every record of a JSON Lines file against the specs. Each line: "
        '{"destination": ..., "payload": <JSON> | "payload_text": str | "payload_base64": str, '
        '"headers": {str: str}, "key": str | "key_base64": str, "time": RFC 3339 | epoch s}.',
        epilog=EXIT_HELP,
    )
    check.add_argument("specs", nargs="+", type=Path, metavar="SPEC")
    check.add_argument(
        "--input", required=True, metavar="FILE", help="JSON Lines records, or - for stdin"
    )
    record = commands.add_parser(
        "record",
        help="capture from a live broker, then check what was seen",
        description="Capture every declared destination (and the rest, as undeclared) from a "
        "live broker until --duration passes or --count messages arrived (the first limit "
        "reached), then check them like check-traffic.",
        epilog=EXIT_HELP,
    )
    record.add_argument("specs", nargs="+", type=Path, metavar="SPEC")
    record.add_argument(
        "--broker", required=True, metavar="URL", help="nats://host:port or kafka://host:port"
    )
    record.add_argument("--duration", type=_positive(float), metavar="S", help="seconds")
    record.add_argument("--count", type=_positive(int), metavar="N", help="messages")
    record.add_argument(
        "--output", type=Path, metavar="FILE", help="also write the records (check-traffic input)"
    )
    for sub in (check, record):
        _check_options(sub)
    return [check, record]


def _check_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--protocol",
        choices=registry.names(),
        help="when the specs' servers declare none or several (record: the URL's scheme)",
    )
    sub.add_argument("--slash-to-dot", action="store_true", help="NATS: map / in addresses to .")
    sub.add_argument(
        "--destination",
        action="append",
        default=[],
        metavar="CHANNEL=DEST",
        help="per-channel destination override (repeatable)",
    )
    sub.add_argument(
        "--strict", action="store_true", help="fail on unchecked messages and undeclared ones"
    )
    sub.add_argument(
        "--coverage-min",
        type=_percent,
        metavar="P",
        help="fail when less than P%% of the sent messages were seen",
    )
    sub.add_argument("--report-json", type=Path, metavar="PATH", help="write the JSON report")
    sub.add_argument("--report-html", type=Path, metavar="PATH", help="write the HTML report")


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
        return value

    return parse


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage, got {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100, got {text!r}")
    return value


def run_traffic(args: argparse.Namespace, options: LoadOptions) -> int:
    """Run the subcommand ``args.command`` names (one of :data:`COMMANDS`)."""
    if args.command == "record":
        return run_record(args, options)
    return run_check_traffic(args, options)


def run_check_traffic(args: argparse.Namespace, options: LoadOptions) -> int:
    """Judge the records of ``args.input``; return the exit code."""
    from pytest_asyncapi.check.traffic import RecordError, check_records, read_records

    plan = Plan.prepare(args, options, args.protocol)
    label = "<stdin>" if args.input == "-" else args.input
    try:
        with _input_lines(args.input) as lines:
            results, count = check_records(
                read_records(lines), plan.router, label=label, check_key=plan.check_key
            )
    except RecordError as error:
        raise UsageProblem(f"{label}: {error}") from None
    except OSError as error:
        raise UsageProblem(f"cannot read {label}: {error.strerror or error}") from None
    return plan.finish(args, results, count, label=label, broker=[f"recorded traffic: {label}"])


@contextlib.contextmanager
def _input_lines(source: str) -> Iterator[Iterable[bytes]]:
    if source == "-":
        yield sys.stdin.buffer
        return
    with Path(source).open("rb") as stream:
        yield stream


def run_record(
    args: argparse.Namespace,
    options: LoadOptions,
    *,
    ready: Callable[[], None] | None = None,
) -> int:
    """Capture from ``args.broker``, write ``args.output``, judge; return the exit code.

    Once the broker has confirmed every subscription, "recording ..." goes to standard error
    and ``ready`` is called: what is published from then on is captured.
    """
    from pytest_asyncapi.brokers.endpoints import split_url
    from pytest_asyncapi.errors import BrokerError
    from pytest_asyncapi.masking import mask

    if args.duration is None and args.count is None:
        raise UsageProblem("record needs --duration S or --count N (or both: the first wins)")
    try:
        protocol = split_url(args.broker)[0]
    except ValueError as error:
        raise UsageProblem(f"--broker: {error}") from None
    shown = mask(args.broker)  # the URL as every output shows it: credentials masked
    if args.protocol is not None and args.protocol != protocol:
        raise UsageProblem(f"--protocol {args.protocol} contradicts --broker {shown} ({protocol})")
    plan = Plan.prepare(args, options, protocol)
    try:
        adapter = _connect(protocol, args.broker)
    except BrokerError as error:
        raise UsageProblem(f"cannot record from {shown}: {error}") from None
    try:
        try:
            adapter.start(plan.router.patterns())
        except BrokerError as error:
            raise UsageProblem(f"cannot record from {shown}: {error}") from None
        print(f"recording from {shown} ({_limits(args)}) ...", file=sys.stderr, flush=True)
        if ready is not None:
            ready()
        started = time.monotonic()
        captured, lost = collect(adapter, duration=args.duration, count=args.count)
    finally:
        adapter.close()
    elapsed = time.monotonic() - started
    if args.output is not None:
        _write_records(args.output, captured)
    if lost is not None:
        problem = f"lost the broker {shown} while recording: {lost}"
        if args.output is not None:
            problem += f"\n  the {len(captured)} record(s) captured before are in {args.output}"
        raise UsageProblem(problem)
    from pytest_asyncapi.check.traffic import check_records

    label = f"recording from {shown}"
    results, count = check_records(captured, plan.router, label=label, check_key=plan.check_key)
    broker = [f"recorded {count} message(s) from {shown} in {elapsed:.1f} s"]
    return plan.finish(args, results, count, label=label, broker=broker)


def _limits(args: argparse.Namespace) -> str:
    limits = []
    if args.duration is not None:
        limits.append(f"for {args.duration:g} s")
    if args.count is not None:
        limits.append(f"until {args.count} message(s)")
    return " or ".join(limits)


def _connect(protocol: str, url: str) -> CaptureAdapter:
    """An adapter on the broker at ``url``; a dead broker fails in seconds (TCP probe first)."""
    from pytest_asyncapi.brokers.provision import connect_url

    endpoint = connect_url(protocol, url).endpoint
    # a recording must not change the user's broker (Kafka: no topics are created)
    return registry.describe(protocol).record_capture(endpoint.url)


def collect(
    adapter: CaptureAdapter, *, duration: float | None, count: int | None
) -> tuple[list[Captured], Exception | None]:
    """What ``adapter`` captures until ``duration`` s pass or ``count`` records arrived.

    Ends with an exact drain unless the count was reached (then exactly ``count`` records
    are kept). Returns the records and the broker error that ended the recording, if any.
    Ctrl-C ends the recording early; what was captured is kept.
    """
    from pytest_asyncapi.errors import BrokerError

    deadline = None if duration is None else time.monotonic() + duration
    captured: list[Captured] = []
    try:
        while count is None or len(captured) < count:
            wait = POLL if deadline is None else min(POLL, deadline - time.monotonic())
            if wait <= 0:
                break
            captured += adapter.take(wait)
        if count is None or len(captured) < count:
            captured += adapter.drain()
    except BrokerError as error:
        return captured[:count], error
    except KeyboardInterrupt:
        print("recording interrupted", file=sys.stderr)
    return captured[:count], None


def _write_records(path: Path, captured: Sequence[Captured]) -> None:
    from pytest_asyncapi.check.traffic import record_line

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as stream:
            for record in captured:
                stream.write(record_line(record))
    except OSError as error:
        raise UsageProblem(f"cannot write --output {path}: {error.strerror or error}") from None


@dataclass
class Plan:
    """The specs, protocol and routes one check runs with, and how it ends."""

    specs: list[Spec]
    protocol: str
    router: Router
    routes: dict[str, str]

    @property
    def check_key(self) -> bool:
        return registry.describe(self.protocol).has_keys

    @classmethod
    def prepare(cls, args: argparse.Namespace, options: LoadOptions, protocol: str | None) -> Plan:
        from pytest_asyncapi.routing import Router, build_routes, machinery
        from pytest_asyncapi.spec.loader import load_spec, shown

        specs = [load_spec(shown(path), options) for path in args.specs]
        protocol = protocol or _protocol(specs)
        overrides = _overrides(args.destination, specs)
        routes, _dynamic = build_routes(
            specs, protocol, slash_to_dot=args.slash_to_dot, overrides=overrides
        )
        labels = {f"{r.spec.source}#{r.channel.id}": r.pattern for r in routes}
        return cls(specs, protocol, Router(routes, machinery=machinery(protocol)), labels)

    def finish(
        self,
        args: argparse.Namespace,
        results: RunResults,
        count: int,
        *,
        label: str,
        broker: list[str],
    ) -> int:
        """Gate the results: print them, write the reports, return the exit code."""
        from pytest_asyncapi.check.coverage import compute
        from pytest_asyncapi.check.traffic import Gate, gate
        from pytest_asyncapi.cli.output import EXIT_FINDINGS, EXIT_OK, EXIT_UNCHECKED
        from pytest_asyncapi.reporting.report import build_report, write_json

        coverage = compute(self.specs, results)
        verdict, reasons = gate(
            results, coverage, strict=args.strict, coverage_min=args.coverage_min
        )
        exits = {Gate.PASSED: EXIT_OK, Gate.FAILED: EXIT_FINDINGS, Gate.UNCHECKED: EXIT_UNCHECKED}
        code = exits[verdict]
        report = build_report(
            self.specs,
            results,
            coverage,
            broker=broker,
            gate={
                "strict": args.strict,
                "coverage_min": args.coverage_min,
                "failed": code == EXIT_FINDINGS,
                "reasons": reasons,
            },
        )
        if args.report_json is not None:
            write_json(report, args.report_json)
        if args.report_html is not None:
            from pytest_asyncapi.reporting.html import write_html

            write_html(report, args.report_html)
        if args.json:
            emit_json(
                {
                    "command": args.command,
                    "input": label,
                    "protocol": self.protocol,
                    "records": count,
                    "exit_code": code,
                    "reasons": reasons,
                    "report": report,
                }
            )
        else:
            heading = f"{label}: {count} record(s) checked against {len(self.specs)} spec(s)"
            print(f"{heading} ({self.protocol})")
            for line in self._lines(results, coverage, report, code, reasons):
                print(line)
        return code

    def _lines(
        self,
        results: RunResults,
        coverage: Coverage,
        report: dict[str, Any],
        code: int,
        reasons: list[str],
    ) -> list[str]:
        from pytest_asyncapi.check.contract import Violation
        from pytest_asyncapi.cli.output import EXIT_FINDINGS, EXIT_OK
        from pytest_asyncapi.reporting.terminal import render_summary, render_violations

        lines = []
        if results.violations:
            kept = [
                Violation(**{k: v for k, v in d.items() if k != "test"}) for d in results.violations
            ]
            lines.append("violations:")
            lines += ["  " + line for line in render_violations(kept)]
            if report["violations_truncated"]:
                lines.append(f"  ... {results.violation_count - len(kept)} more not kept")
        if results.unchecked:
            lines.append("could not be checked:")
            lines += [
                f"  {u['destination']} ({u['channel']}): {'; '.join(u['reasons']) or 'no reason'}"
                for u in results.unchecked[:10]
            ]
        lines += render_summary(self.specs, results, self.routes)
        if coverage.percent is not None:
            seen = len(coverage.sent) - len(coverage.never_seen)
            lines.append(
                f"coverage: {coverage.percent:.0f}% of sent messages seen "
                f"({seen}/{len(coverage.sent)})"
            )
        lines += [
            f"  never seen: {m.spec} · {m.channel} · {m.message}" for m in coverage.never_seen
        ]
        verdict = {EXIT_OK: "OK", EXIT_FINDINGS: "FAILED"}.get(code, "NOT ALL CHECKED")
        lines.append(f"{verdict}: " + ("; ".join(reasons) or "every message keeps the contract"))
        return lines


def _protocol(specs: Sequence[Spec]) -> str:
    from pytest_asyncapi.routing import declared_protocol, declared_protocol_names

    protocol = declared_protocol(specs)
    if protocol is None:
        raise UsageProblem(
            f"cannot tell the protocol: the specs' servers declare "
            f"{declared_protocol_names(specs)}; pass "
            + " or ".join(f"--protocol {name}" for name in registry.names())
        )
    return protocol


def _overrides(entries: Sequence[str], specs: Sequence[Spec]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for entry in entries:
        channel, sep, destination = entry.partition("=")
        if not sep or not channel.strip() or not destination.strip():
            raise UsageProblem(f"--destination expects CHANNEL=DEST, got {entry!r}")
        overrides[channel.strip()] = destination.strip()
    known = {c.id for spec in specs for c in spec.channels}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise UsageProblem(
            f"--destination names unknown channel(s) {', '.join(unknown)}; "
            f"channels: {', '.join(sorted(known))}"
        )
    return overrides
