"""``asyncapi-contract check``: one payload (and headers) against a declared message."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from pytest_asyncapi.check.contract import choose
from pytest_asyncapi.check.message_check import MessageCheck, check_message
from pytest_asyncapi.cli.output import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNCHECKED,
    UsageProblem,
    emit_json,
)
from pytest_asyncapi.schemas.binary import writer_schema_note
from pytest_asyncapi.schemas.compile import Verdict
from pytest_asyncapi.schemas.registry import set_registry_url
from pytest_asyncapi.spec.loader import load_spec

if TYPE_CHECKING:
    import argparse

    from pytest_asyncapi.spec.model import Message, Spec
    from pytest_asyncapi.spec.options import LoadOptions

EXIT_BY_VERDICT = {Verdict.VALID: EXIT_OK, Verdict.INVALID: EXIT_FINDINGS}


def run_check(args: argparse.Namespace, options: LoadOptions) -> int:
    """Load the spec leniently, pick the message as the plugin does, check payload and headers.

    Without ``--message`` on a channel with several messages: the first whose schemas accept
    the payload, else the first unchecked one, else the closest (fewest violations).
    """
    spec = load_spec(args.spec, options)
    candidates = candidate_messages(spec, args.channel, args.message)
    payload = _read_payload(args.payload)
    headers = _read_headers(args.headers) if args.headers else None
    if args.schema_registry:
        try:
            set_registry_url(args.schema_registry)
        except ValueError as error:
            raise UsageProblem(str(error)) from None
    result = choose([check_message(m, payload, headers, spec=spec) for m in candidates])
    names = [m.display_name for m in candidates]
    if args.json:
        emit_json(
            {**_result_json(spec, args.channel, result, headers is not None), "candidates": names}
        )
    else:
        _print_result(args.channel, result, headers is not None, names)
        note = writer_schema_note([spec])
        if note and result.verdict is not Verdict.UNCHECKED:
            print(f"  note: {note}")
    return EXIT_BY_VERDICT.get(result.verdict, EXIT_UNCHECKED)


def candidate_messages(spec: Spec, channel_name: str, label: str | None) -> list[Message]:
    """The message ``label`` names on the channel, else every message it carries."""
    try:
        channel = spec.channel(channel_name)
    except KeyError as error:
        raise UsageProblem(error.args[0]) from None
    if label is not None:
        try:
            return [channel.message(label)]
        except KeyError as error:
            raise UsageProblem(error.args[0]) from None
    if not channel.messages:
        raise UsageProblem(f"channel {channel.id!r} declares no messages")
    return list(channel.messages)


def _read_payload(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as error:
        raise UsageProblem(f"cannot read payload {source}: {error.strerror}") from None


def _read_headers(path: Path) -> dict[str, Any]:
    try:
        headers = orjson.loads(path.read_bytes())
    except OSError as error:
        raise UsageProblem(f"cannot read headers {path}: {error.strerror}") from None
    except orjson.JSONDecodeError as error:
        raise UsageProblem(f"headers file {path} is not JSON: {error}") from None
    if not isinstance(headers, dict):
        raise UsageProblem(f"headers file {path} must hold a JSON object of headers")
    return headers


def _print_result(
    channel: str, result: MessageCheck, had_headers: bool, candidates: list[str]
) -> None:
    name = result.message.display_name
    if len(candidates) > 1:
        how = "matched" if result.verdict is not Verdict.INVALID else "closest; none matched"
        name += f" ({how} among {', '.join(candidates)})"
    print(f"{result.verdict.value.upper()}: {channel} / {name}")
    for part, violation in result.violations():
        print(f"  {part} {violation.pointer or '/'}: {violation.message} [{violation.keyword}]")
        print(f"    schema {violation.schema_location}: {violation.schema_excerpt}")
        print(f"    value: {violation.value_excerpt}")
    for reason in result.unchecked_reasons():
        print(f"  unchecked {reason}")
    if had_headers and result.message.headers is None:
        print("  headers: the message declares no headers schema; nothing to check")
    if not had_headers and result.message.headers is not None:
        print("  headers: not checked (pass --headers FILE to check them)")


def _result_json(spec: Spec, channel: str, result: MessageCheck, had_headers: bool) -> Any:
    return {
        "spec": str(spec.source),
        "channel": channel,
        "message": result.message.display_name,
        "verdict": result.verdict.value,
        "parts": {
            p.part: {
                "verdict": p.result.verdict.value,
                "reason": p.result.reason,
                "violations": [
                    {
                        "pointer": v.pointer,
                        "keyword": v.keyword,
                        "message": v.message,
                        "schema_location": v.schema_location,
                        "schema_excerpt": v.schema_excerpt,
                        "value_excerpt": v.value_excerpt,
                    }
                    for v in p.result.violations
                ],
            }
            for p in result.parts
        },
        "headers_declared": result.message.headers is not None,
        "headers_given": had_headers,
        "exit_code": EXIT_BY_VERDICT.get(result.verdict, EXIT_UNCHECKED),
    }
