"""``asyncapi-contract``: the CI front door.

Exit codes (stable, documented in the README):
  0 valid · 1 findings / invalid messages · 2 usage error or unreadable input ·
  3 nothing invalid, but something could not be checked (unsupported schema format or content
  type; for check-traffic/record also messages on undeclared destinations).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pytest_asyncapi.cli.output import EXIT_USAGE, UsageProblem
from pytest_asyncapi.errors import SpecError
from pytest_asyncapi.spec.options import LoadOptions

if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        options = _load_options(args)
        if args.command in ("verify", "diff"):
            from pytest_asyncapi.cli.compat import run

            return run(args, options)
        if args.command in ("check-traffic", "record"):
            from pytest_asyncapi.cli.traffic import run_traffic

            return run_traffic(args, options)
        if args.command == "pact-export":
            from pytest_asyncapi.cli.pact import run_export

            return run_export(args, options)
        if args.command in ("codegen", "check-models"):
            from pytest_asyncapi.cli.codegen import run as run_codegen

            return run_codegen(args, options)
        if args.command == "validate":
            from pytest_asyncapi.cli.validate import run_validate

            return run_validate(args.specs, options, strict=args.strict, as_json=args.json)
        from pytest_asyncapi.cli.check import run_check

        return run_check(args, options)
    except UsageProblem as problem:
        _fail(str(problem), args, sys.stderr)
        return EXIT_USAGE
    except SpecError as error:
        _fail(error.render(), args, sys.stderr)
        return EXIT_USAGE


def _fail(message: str, args: argparse.Namespace, stream: TextIO) -> None:
    from pytest_asyncapi.masking import mask

    message = mask(message)
    if getattr(args, "json", False):
        print(json.dumps({"error": message}), file=sys.stdout)
    print(f"asyncapi-contract: error: {message}", file=stream)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asyncapi-contract",
        description="Check AsyncAPI documents and messages against them.",
        epilog="exit codes: 0 valid, 1 findings/invalid/breaking, 2 usage or unreadable input, "
        "3 could not be checked / needs review",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = commands.add_parser(
        "validate",
        help="check documents against the official AsyncAPI schema and semantic rules",
        description="Exit 0 when every document is valid, 1 on findings (warnings too with "
        "--strict), 2 when a document cannot be read.",
    )
    validate.add_argument("specs", nargs="+", type=Path, metavar="SPEC")
    validate.add_argument("--strict", action="store_true", help="fail on warnings too")
    check = commands.add_parser(
        "check",
        help="check one payload (and headers) against a declared message",
        description="Exit 0 valid, 1 invalid, 2 usage or unreadable input, 3 not checkable.",
    )
    check.add_argument("spec", type=Path, metavar="SPEC")
    check.add_argument(
        "payload",
        metavar="PAYLOAD",
        help="a payload file (JSON, or the raw Avro/Protobuf bytes), or - for standard input",
    )
    check.add_argument("--channel", required=True, help="channel id (3.x) or key/address (2.x)")
    check.add_argument(
        "--message", help="name, messageId or key; needed if the channel has several"
    )
    check.add_argument("--headers", type=Path, help="a JSON object of headers to check")
    check.add_argument(
        "--schema-registry",
        metavar="URL",
        help="Confluent-API schema registry for writer schemas of framed Avro/Protobuf "
        "(default: the Kafka server binding's schemaRegistryUrl)",
    )
    from pytest_asyncapi.cli.codegen import add_subcommands as add_codegen_commands
    from pytest_asyncapi.cli.compat import add_subcommands as add_compat_commands
    from pytest_asyncapi.cli.pact import add_subcommands as add_pact_commands
    from pytest_asyncapi.cli.traffic import add_subcommands as add_traffic_commands

    more = add_traffic_commands(commands) + add_compat_commands(commands)
    more += add_codegen_commands(commands)
    more += add_pact_commands(commands)
    for sub in (validate, check, *more):
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        sub.add_argument("--allow-url-refs", action="store_true", help="fetch http(s) $ref targets")
        sub.add_argument(
            "--ref-map",
            action="append",
            default=[],
            metavar="URL_PREFIX=DIR",
            help="read $refs under URL_PREFIX from the local folder DIR (repeatable)",
        )
        sub.add_argument(
            "--allow-outside-root",
            action="store_true",
            help="follow file $refs that leave the project root (current directory, VCS checkout)",
        )
        sub.add_argument(
            "--client-view",
            action="store_true",
            help="2.x documents: publish/subscribe are written from the client's side",
        )
        for limit, meaning in LIMITS.items():
            sub.add_argument(f"--{limit}", type=int, metavar="N", help=meaning)
    return parser


LIMITS = {
    "max-bytes": "largest document file read, in bytes (default 20 MiB)",
    "max-depth": "deepest nesting of a document (default 200)",
    "max-aliases": "YAML alias expansions allowed per file (default 1000)",
}


def _load_options(args: argparse.Namespace) -> LoadOptions:
    url_map: dict[str, Path] = {}
    for entry in args.ref_map:
        prefix, sep, folder = entry.partition("=")
        if not sep or not prefix or not folder:
            raise UsageProblem(f"--ref-map expects URL_PREFIX=DIR, got {entry!r}")
        url_map[prefix] = Path(folder)
    limits: dict[str, int] = {
        name.replace("-", "_"): value
        for name in LIMITS
        if (value := getattr(args, name.replace("-", "_"), None)) is not None
    }
    for name, value in limits.items():
        if value < 1:
            raise UsageProblem(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    return LoadOptions(
        allow_url_refs=args.allow_url_refs,
        url_map=url_map,
        allow_outside_root=args.allow_outside_root,
        client_view=args.client_view,
        max_bytes=limits.get("max_bytes", LoadOptions.max_bytes),
        max_depth=limits.get("max_depth", LoadOptions.max_depth),
        max_aliases=limits.get("max_aliases", LoadOptions.max_aliases),
    )
