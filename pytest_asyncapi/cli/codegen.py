"""``asyncapi-contract codegen`` and ``asyncapi-contract check-models``.

Exit codes: codegen 0 written / up to date, 1 (``--check``) stale, with a diff;
check-models 0 every model matches, 1 a model drifted (with a counterexample), 3 nothing
drifted but some comparison was undecided; 2 usage error or unreadable input for both.
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

    from pytest_asyncapi.spec.model import Spec
    from pytest_asyncapi.spec.options import LoadOptions

COMMANDS = ("codegen", "check-models")


def add_subcommands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> list[argparse.ArgumentParser]:
    """Register ``codegen`` and ``check-models``; the CLI adds the shared options."""
    codegen = commands.add_parser(
        "codegen",
        help="generate a typed Python package (pydantic models, channels, publish helpers)",
        description="Write package NAME under DIR: pydantic v2 models of every message payload "
        "and headers schema, a channels module, publish helpers for nats-py and aiokafka, and "
        "test factories. With --check, write nothing: exit 1 with a diff when the package "
        "under DIR is not what the document generates.",
        epilog="exit codes: 0 written or up to date, 1 stale (--check), 2 usage or unreadable "
        "input",
    )
    codegen.add_argument("spec", type=Path, metavar="SPEC")
    codegen.add_argument("--out", required=True, type=Path, metavar="DIR")
    codegen.add_argument("--package", metavar="NAME", help="package name (default: from title)")
    codegen.add_argument("--check", action="store_true", help="only compare; exit 1 if stale")
    models = commands.add_parser(
        "check-models",
        help="check pydantic models (hand-written, generated, FastStream's) against messages",
        description="Each MODULE:MODEL=CHANNEL/MESSAGE pair: every value the model can "
        "produce must be valid for the message; for messages the application receives, every "
        "value the document allows must be accepted by the model.",
        epilog="exit codes: 0 all match, 1 a model drifted, 2 usage or unreadable input, "
        "3 only undecided",
    )
    models.add_argument("spec", type=Path, metavar="SPEC")
    models.add_argument("pairs", nargs="+", metavar="MODULE:MODEL=CHANNEL/MESSAGE")
    models.add_argument(
        "--part", choices=("payload", "headers"), default="payload", help="which schema"
    )
    models.add_argument(
        "--path", action="append", default=[], type=Path, help="add to sys.path (repeatable)"
    )
    return [codegen, models]


def run(args: argparse.Namespace, options: LoadOptions) -> int:
    from pytest_asyncapi.spec.loader import load_spec

    spec = load_spec(args.spec, options)
    if args.command == "codegen":
        return _codegen(args, spec)
    from pytest_asyncapi.codegen.model_check import check_pairs, parse_pair

    try:
        pairs = [parse_pair(text) for text in args.pairs]
        report = check_pairs(spec, pairs, part=args.part, paths=args.path)
    except ValueError as error:
        raise UsageProblem(str(error)) from None
    if args.json:
        emit_json(report.as_dict())
    else:
        print(report.render(), end="")
    if report.drifted:
        return EXIT_FINDINGS
    return EXIT_UNCHECKED if report.undecided else EXIT_OK


def _codegen(args: argparse.Namespace, spec: Spec) -> int:
    from pytest_asyncapi.codegen.naming import snake_name
    from pytest_asyncapi.codegen.package import generate_package, stale_diff, write_package

    package = args.package or snake_name(spec.title, "asyncapi_models")
    try:
        generated = generate_package(spec, package, args.out)
    except ValueError as error:
        raise UsageProblem(str(error)) from None
    where = args.out / package
    summary: dict[str, object] = {"package": str(where), "notes": list(generated.notes)}
    if args.check:
        diff = stale_diff(generated, args.out)
        summary.update(stale=bool(diff), diff=diff)
        text = f"{where} is stale; run codegen again. Differences:\n{diff}" if diff else ""
        _report(args.json, summary, generated.notes, text or f"{where} is up to date\n")
        return EXIT_FINDINGS if diff else EXIT_OK
    written = write_package(generated, args.out)
    summary["written"] = [str(path) for path in written]
    text = f"{where}: {len(written)} file(s) written, {len(generated.files)} in all\n"
    _report(args.json, summary, generated.notes, text)
    return EXIT_OK


def _report(as_json: bool, summary: dict[str, object], notes: tuple[str, ...], text: str) -> None:
    if as_json:
        emit_json(summary)
        return
    for note in notes:
        print(f"note: {note}")
    print(text, end="")
