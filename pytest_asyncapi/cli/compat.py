"""``asyncapi-contract verify`` and ``asyncapi-contract diff``.

Exit codes (both commands): 0 compatible / no breaking change, 1 broken / breaking change,
2 usage error or unreadable document, 3 nothing broken but something needs review (undecided).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pytest_asyncapi.cli.output import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNCHECKED,
    UsageProblem,
    emit_json,
)

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from pytest_asyncapi.compat.verify import VerifyReport
    from pytest_asyncapi.spec.model import Spec
    from pytest_asyncapi.spec.options import LoadOptions

COMMANDS = ("verify", "diff")
_EPILOG = (
    "exit codes: 0 compatible, 1 breaking, 2 usage or unreadable input, 3 only undecided "
    "(needs review)"
)


def add_subcommands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> list[argparse.ArgumentParser]:
    """Register ``verify`` and ``diff``; the CLI adds the shared options to what it returns."""
    verify = commands.add_parser(
        "verify",
        help="check statically that a provider delivers what a consumer expects",
        description="Every message the consumer receives must be sent by the provider on the "
        "same destination, and every payload, header set and key the provider's schemas admit "
        "must be admitted by the consumer's.",
        epilog=_EPILOG,
    )
    verify.add_argument(
        "--consumer", required=True, type=Path, metavar="SPEC", help="AsyncAPI document or pact"
    )
    verify.add_argument("--provider", required=True, type=Path, metavar="SPEC")
    verify.add_argument(
        "--pact-map",
        action="append",
        default=[],
        metavar="DESCRIPTION=CHANNEL[/MESSAGE]",
        help="pair a pact interaction with a provider message explicitly (repeatable)",
    )
    diff = commands.add_parser(
        "diff",
        help="classify every change between two versions of a document",
        description="Changes are breaking, non-breaking or needs review. Default mode auto: "
        "messages the application sends must not admit more (old readers), messages it "
        "receives must not admit less (old senders). backward/forward/full apply one check "
        "to every message, as Schema Registry does.",
        epilog=_EPILOG,
    )
    diff.add_argument("old", type=Path, metavar="OLD")
    diff.add_argument("new", type=Path, metavar="NEW")
    diff.add_argument("--mode", choices=("auto", "backward", "forward", "full"), default="auto")
    for sub in (verify, diff):
        sub.add_argument(
            "--no-search",
            action="store_true",
            help="do not search for counterexample payloads",
        )
        sub.add_argument(
            "--html",
            type=Path,
            metavar="PATH",
            help="also write the result as a self-contained HTML page (the Markdown goes to "
            "$GITHUB_STEP_SUMMARY too when GitHub Actions sets it)",
        )
    return [verify, diff]


def run(args: argparse.Namespace, options: LoadOptions) -> int:
    """Run ``verify`` or ``diff``; print Markdown (or JSON with ``--json``); the exit code."""
    from pytest_asyncapi.spec.loader import load_spec

    if args.command == "verify":
        from pytest_asyncapi.compat.render import verify_markdown
        from pytest_asyncapi.compat.verify import Status, verify
        from pytest_asyncapi.reporting.compat_pages import verify_html

        provider = load_spec(args.provider, options)
        from pytest_asyncapi.pact.reader import is_pact_file

        if is_pact_file(args.consumer):
            report = _verify_pact(args, provider)
        else:
            consumer = load_spec(args.consumer, options)
            report = verify(consumer, provider, search=not args.no_search)
        if not report.expectations:
            raise UsageProblem(
                f"{args.consumer} declares no message it receives (a 2.x document written from "
                "the client's side needs --client-view)"
            )
        _emit(args.json, report.as_dict(), verify_markdown(report))
        _pages(args, verify_markdown(report), lambda: verify_html(report))
        return {
            Status.OK: EXIT_OK,
            Status.BROKEN: EXIT_FINDINGS,
            Status.NEEDS_REVIEW: EXIT_UNCHECKED,
        }[report.status]
    if args.command == "diff":
        from pytest_asyncapi.compat.diff import Classification, Mode, diff
        from pytest_asyncapi.compat.render import diff_markdown
        from pytest_asyncapi.reporting.compat_pages import diff_html

        old, new = load_spec(args.old, options), load_spec(args.new, options)
        found = diff(old, new, mode=Mode(args.mode), search=not args.no_search)
        _emit(args.json, found.as_dict(), diff_markdown(found))
        _pages(args, diff_markdown(found), lambda: diff_html(found))
        if found.count(Classification.BREAKING):
            return EXIT_FINDINGS
        return EXIT_UNCHECKED if found.count(Classification.NEEDS_REVIEW) else EXIT_OK
    raise UsageProblem(f"unknown command {args.command!r} (expected one of {', '.join(COMMANDS)})")


def pact_map(entries: list[str], flag: str) -> dict[str, str]:
    """``DESCRIPTION=CHANNEL[/MESSAGE]`` entries as a dict; a malformed one is a usage error."""
    found = {}
    for entry in entries:
        description, sep, target = entry.rpartition("=")
        if not sep or not description or not target:
            raise UsageProblem(f"{flag} expects DESCRIPTION=CHANNEL[/MESSAGE], got {entry!r}")
        found[description] = target
    return found


def _verify_pact(args: argparse.Namespace, provider: Spec) -> VerifyReport:
    from pytest_asyncapi.pact.consumer import load_pact_consumer
    from pytest_asyncapi.pact.verify import verify_pact

    consumer = load_pact_consumer(args.consumer, [provider], pact_map(args.pact_map, "--pact-map"))
    return verify_pact(consumer, provider, search=not args.no_search)


def _pages(args: argparse.Namespace, markdown: str, html: Callable[[], str]) -> None:
    """``--html PATH``, and the job summary on GitHub Actions."""
    from pytest_asyncapi.reporting.markdown import append_job_summary

    if args.html is not None:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(html(), encoding="utf-8")
    append_job_summary(markdown)


def _emit(as_json: bool, data: object, markdown: str) -> None:
    if as_json:
        emit_json(data)
    else:
        print(markdown, end="")
