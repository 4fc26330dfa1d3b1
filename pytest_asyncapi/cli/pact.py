"""``asyncapi-contract pact-export``: a v4 pact of a provider's messages (for a Pact Broker)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_asyncapi.cli.output import EXIT_OK, EXIT_UNCHECKED, UsageProblem

if TYPE_CHECKING:
    import argparse

    from pytest_asyncapi.spec.options import LoadOptions


def add_subcommands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> list[argparse.ArgumentParser]:
    """Register ``pact-export``; the CLI adds the shared options to what it returns."""
    export = commands.add_parser(
        "pact-export",
        help="write a v4 pact whose interactions are the messages the provider sends",
        description="Contents are each message's first example cut to its required "
        "properties; matching rules come from the schema. Reading the pact back with "
        "`verify --consumer PACT` against the same document is compatible.",
        epilog="exit codes: 0 written, 2 usage or unreadable input, 3 written but some messages "
        "were left out (payload schemas that are not JSON Schema)",
    )
    export.add_argument("spec", type=Path, metavar="SPEC")
    export.add_argument(
        "--channel", action="append", default=[], help="channel to export (repeatable; all)"
    )
    export.add_argument("--consumer", required=True, metavar="NAME")
    export.add_argument("--provider", required=True, metavar="NAME")
    export.add_argument("--output", type=Path, metavar="PATH", help="file to write (else stdout)")
    return [export]


def run_export(args: argparse.Namespace, options: LoadOptions) -> int:
    from pytest_asyncapi.pact.export import export_pact
    from pytest_asyncapi.spec.loader import load_spec

    spec = load_spec(args.spec, options)
    try:
        pact, skipped = export_pact(
            spec, args.channel, consumer=args.consumer, provider=args.provider
        )
    except KeyError as error:
        raise UsageProblem(str(error.args[0])) from None
    text = json.dumps(pact, indent=2, ensure_ascii=False) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {len(pact['interactions'])} interaction(s) to {args.output}")
    for line in skipped:
        print(f"asyncapi-contract: not exported: {line}", file=sys.stderr)
    return EXIT_UNCHECKED if skipped else EXIT_OK
