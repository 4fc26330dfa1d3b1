"""The text of the generated modules other than the models: channels, publish helpers (one
module per protocol, written with the protocol's :class:`PublishHelpers` from the registry),
test factories, and the package's ``__init__`` and base class.

The helpers import no client library at module level: each takes a client described by a small
``Protocol`` (what it calls), so the package type-checks with or without those installed.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.brokers import registry
from pytest_asyncapi.brokers.publishing import Publish
from pytest_asyncapi.codegen.schemas import CHECKED_TEXT

if TYPE_CHECKING:
    from pytest_asyncapi.brokers.publishing import PublishHelpers
    from pytest_asyncapi.codegen.plan import ChannelPlan, MessagePlan, Plan

BASE = '''"""The base of every generated model: built from field names or aliases, dumped by
alias (the names the document uses)."""

from pydantic import BaseModel, ConfigDict


class ContractModel(BaseModel):
    model_config = ConfigDict(
        validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )
'''


def formats_module(formats: list[str]) -> str:
    """``_formats.py``: string types that check a format exactly as the plugin does."""
    from pytest_asyncapi.schemas.formats import FORMATS

    lines = [
        '"""String formats the document uses, checked by the same patterns as the contract\n'
        'plugin\'s validator (a model holds only values the document accepts)."""\n\n'
    ]
    if not formats:
        return lines[0] + "__all__: list[str] = []\n"
    lines.append(
        "import re\nfrom typing import Annotated\n\nfrom pydantic import AfterValidator, Field\n"
    )
    lines.append(_FORMAT_CHECK)
    for name in formats:
        kind = CHECKED_TEXT[name]
        patterns = "".join(f"    {p!r},\n" for p in FORMATS[name].patterns)
        constant = f"{kind.upper()}_PATTERNS"
        lines.append(
            f"\n\n{constant} = (\n{patterns})\n\n\n"
            f"def check_{kind.lower()}(value: str) -> str:\n"
            f"    return checked(value, {name!r}, {constant})\n\n\n"
            f"{kind} = Annotated[\n    str,\n    AfterValidator(check_{kind.lower()}),\n"
            f'    Field(json_schema_extra={{"format": {name!r}}}),\n]\n'
        )
    return "".join(lines)


_FORMAT_CHECK = '''

def checked(value: str, name: str, patterns: tuple[str, ...]) -> str:
    """``value`` if it matches every pattern of format ``name``; else ValueError."""
    if all(re.search(pattern, value) for pattern in patterns):
        return value
    raise ValueError(f"not a valid {name} (format {name!r} of the document)")
'''


def init_module(header: str, plan: Plan) -> str:
    spec = plan.spec
    notes = "".join(
        "\n" + textwrap.fill(note, 96, initial_indent="- ", subsequent_indent="  ")
        for note in plan.notes
    )
    doc = f"Typed code for {spec.title} {spec.version} (AsyncAPI {spec.asyncapi_version})."
    if notes:
        doc += "\n\nNot generated:" + notes.replace('"""', "'''")
    return f'{header}"""{doc}\n"""\n\nTITLE = {spec.title!r}\nVERSION = {spec.version!r}\n'


def channels_module(header: str, plan: Plan) -> str:
    out = [
        header,
        f'"""Channels of {_text(plan.spec.title)}: addresses, broker destinations, parameters,\n'
        'and which messages the application sends and receives."""\n\n'
        "from __future__ import annotations\n\n"
        "import re\nfrom dataclasses import dataclass\n",
    ]
    if any(p.enum for c in plan.channels for p in c.parameters):
        out.append("from typing import Literal\n")
    out.append(_CHANNEL_HELPERS)
    for chan in plan.channels:
        out.append(_channel(chan))
    return "".join(out)


_CHANNEL_HELPERS = '''

@dataclass(frozen=True)
class ChannelInfo:
    """One channel as the document declares it; ``{name}`` marks a parameter."""

    id: str
    address: str | None
    destinations: dict[str, str | None]
    """Protocol -> the broker destination (``{name}`` kept; ``None``: a dynamic address)."""
    parameters: tuple[str, ...]
    sends: tuple[str, ...]
    """Messages the application sends here."""
    receives: tuple[str, ...]
    """Messages the application receives here."""


def fill(template: str, values: dict[str, str]) -> str:
    """``template`` with each ``{name}`` replaced by its value."""
    return re.sub(r"{([^{}]+)}", lambda m: values[m.group(1)], template)


def check_parameter(
    channel: str,
    name: str,
    value: object,
    *,
    enum: tuple[str, ...] | None = None,
    pattern: str | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
) -> str:
    """``value`` as text, if the document allows it for parameter ``name``; else ValueError."""
    text = str(value)
    problem = None
    if not text or re.search(r"[\\s./*>]", text):
        problem = "must be non-empty, without whitespace, '.', '/', '*' or '>'"
    elif enum is not None and text not in enum:
        problem = f"must be one of {', '.join(enum)}"
    elif pattern is not None and re.search(pattern, text) is None:
        problem = f"must match {pattern}"
    elif min_length is not None and len(text) < min_length:
        problem = f"must be at least {min_length} characters"
    elif max_length is not None and len(text) > max_length:
        problem = f"must be at most {max_length} characters"
    if problem is not None:
        raise ValueError(f"channel {channel!r}: parameter {name!r} {problem}, got {text!r}")
    return text
'''


def _channel(chan: ChannelPlan) -> str:
    channel = chan.channel
    info = (
        f"\n\n{chan.constant} = ChannelInfo(\n"
        f"    id={channel.id!r},\n"
        f"    address={channel.address!r},\n"
        f"    destinations=dict({', '.join(f'{k}={v!r}' for k, v in chan.destinations.items())}),\n"
        f"    parameters={_tuple(p.name for p in chan.parameters)},\n"
        f"    sends={_tuple(chan.sends)},\n"
        f"    receives={_tuple(chan.receives)},\n"
        ")\n"
    )
    arguments = "".join(f", {p.argument}: {p.python_type}" for p in chan.parameters)
    signature = f"*{arguments}" if arguments else ""
    checks = "".join(
        f"        {p.name!r}: check_parameter(\n"
        f"            {channel.id!r}, {p.name!r}, {p.argument}"
        + "".join(
            f", {keyword}={value!r}"
            for keyword, value in (
                ("enum", p.enum),
                ("pattern", p.pattern),
                ("min_length", p.min_length),
                ("max_length", p.max_length),
            )
            if value is not None
        )
        + "\n        ),\n"
        for p in chan.parameters
    )
    body = f"    return {{\n{checks}    }}\n" if checks else "    return {}\n"
    return (
        info
        + f"\n\ndef {chan.function}({signature}) -> dict[str, str]:\n"
        + _doc(f"The checked parameter values of channel {channel.id!r}, by name.")
        + body
    )


def _tuple(items: Any) -> str:
    values = list(items)
    if not values:
        return "()"
    return "(" + ", ".join(repr(v) for v in values) + ("," if len(values) == 1 else "") + ")"


def _doc(text: str) -> str:
    """A function's docstring, wrapped to fit the line length."""
    wrapped = textwrap.wrap(_text(text), width=90, break_on_hyphens=False)
    if len(wrapped) == 1:
        return f'    """{wrapped[0]}"""\n'
    return '    """' + "\n    ".join(wrapped) + '\n    """\n'


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"""', "'''").replace("\n", " ")


def publish_module(header: str, plan: Plan, protocol: str, helpers: PublishHelpers) -> str:
    """``<protocol>.py``: a ``publish_<message>`` per message with a destination on it."""
    keys = registry.describe(protocol).has_keys
    items = [m for m in plan.messages if m.encoding and m.channel.destinations[protocol]]
    classes = sorted({c for m in items for c in (m.payload_class, m.headers_class) if c})
    functions = sorted({m.channel.function for m in items if m.channel.parameters})
    uses_any = any(keys and m.key_type == "Any" for m in items)
    lines = [
        header,
        f'"""Publish helpers for {helpers.library}: serialise the model, set the declared\n'
        "headers"
        + (" and record key" if keys else "")
        + ', and publish on the channel\'s destination."""\n\n'
        "from __future__ import annotations\n\n",
    ]
    needs_json = any(m.headers_class or (keys and m.key_type) or not m.payload_class for m in items)
    stdlib = ["import json"] if needs_json else []
    typing_names = set(helpers.typing_names) | ({"Any"} if uses_any else set())
    if classes:
        typing_names.add("TYPE_CHECKING")
    if any(p.enum for m in items for p in m.channel.parameters):
        typing_names.add("Literal")
    typing_line = f"from typing import {', '.join(sorted(typing_names))}"
    lines.append("\n".join([*stdlib, typing_line]))
    lines.append("\n\n")
    lines.append(_import_from(".channels", sorted(["fill", *functions])))
    if classes:
        lines.append(
            "\nif TYPE_CHECKING:\n    " + _import_from(".models", classes).replace("\n", "\n    ")
        )
    lines.append(helpers.client_text)
    if any(m.headers_class or (keys and m.key_type) for m in items):
        lines.append(_TEXT_HELPER)
    for item in items:
        lines.append(_publish(plan, item, protocol, helpers, keys))
    if not items:
        lines.append("\n\n__all__: list[str] = []\n")
    return "".join(lines)


def _import_from(module: str, names: list[str]) -> str:
    line = f"from {module} import {', '.join(names)}\n"
    if len(line) <= 101:
        return line
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")\n"


_TEXT_HELPER = '''

def as_text(value: object) -> str:
    """A header or key value as the document's checker reads it back: text as is, else JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
'''


def _publish(
    plan: Plan, item: MessagePlan, protocol: str, helpers: PublishHelpers, keys: bool
) -> str:
    chan = item.channel
    model_type = item.payload_class or ("str" if item.encoding == "text" else "object")
    args = [f"client: {helpers.client_type}", f"model: {model_type}"]
    keyword: list[str] = []
    if item.headers_class:
        keyword.append(f"headers: {item.headers_class}")
    if keys and item.key_type:
        keyword.append(f"key: {item.key_type}")
    keyword += [f"{p.argument}: {p.python_type}" for p in chan.parameters]
    signature = ", ".join(args + (["*", *keyword] if keyword else []))
    if item.payload_class and item.encoding == "json":
        value = "model.model_dump_json().encode()"
    elif item.payload_class:
        value = 'str(model.model_dump(mode="json")).encode()'
    elif item.encoding == "text":
        value = "model.encode()"
    else:
        value = "json.dumps(model).encode()"
    template = chan.destinations[protocol]
    params = (
        f"{chan.function}(" + ", ".join(f"{p.argument}={p.argument}" for p in chan.parameters) + ")"
        if chan.parameters
        else "{}"
    )
    body = [f"destination = fill({template!r}, {params})"]
    if item.headers_class:
        body.append(
            "pairs = [(name, as_text(value)) for name, value in "
            'headers.model_dump(mode="json").items()]'
        )
    publish = Publish(
        spec=plan.spec,
        channel=chan.channel,
        destination="destination",
        payload=value,
        headers="pairs" if item.headers_class else None,
        key="as_text(key)" if keys and item.key_type else None,
    )
    body += helpers.call(publish)
    what = f"{item.message.display_name} on channel {chan.channel.id}"
    return (
        f"\n\nasync def publish_{item.stem}({signature}) -> {helpers.returns}:\n"
        + _doc(f"Publish {what}.")
        + "".join(f"    {line}\n" for line in body)
    )


def factories_module(header: str, plan: Plan, document: str) -> str:
    """Hypothesis strategies (from ``payloads()``) and the document's examples, per message."""
    items = [m for m in plan.messages if m.payload_class]
    classes = sorted({m.payload_class for m in items if m.payload_class})
    lines = [
        header,
        '"""Test factories: a hypothesis strategy of valid instances per message (the\n'
        "payloads ``pytest_asyncapi.payloads`` generates from the document), and the document's\n"
        'examples as instances."""\n\n'
        "from __future__ import annotations\n\n"
        "from pathlib import Path\nfrom typing import TYPE_CHECKING\n\n"
        "from pytest_asyncapi.generation import payloads\n\n",
    ]
    if classes:
        lines.append(_import_from(".models", classes))
    if items:
        lines.append("\nif TYPE_CHECKING:\n    from hypothesis.strategies import SearchStrategy\n")
    parts = ", ".join(repr(part) for part in document.split("/"))
    lines.append(
        f"\nDOCUMENT = Path(__file__).parent.joinpath({parts})\n"
        '"""The document the package was generated from (needed by the strategies)."""\n'
    )
    for item in items:
        lines.append(_factory(item))
    return "".join(lines)


def _factory(item: MessagePlan) -> str:
    model = item.payload_class
    message, channel = item.message, item.channel.channel
    examples = [e.payload for e in message.examples if e.has_payload]
    listed = "".join(f"        {value!r},\n" for value in examples)
    values = f"(\n{listed}    )" if examples else "()"
    return (
        f"\n\ndef {item.stem}_payloads() -> SearchStrategy[{model}]:\n"
        + _doc(f"Valid {message.display_name} payloads, as models.")
        + f"    return payloads(DOCUMENT, {channel.id!r}, {message.key!r}).map(\n"
        f"        {model}.model_validate\n    )\n"
        f"\n\ndef {item.stem}_examples() -> list[{model}]:\n"
        + _doc(f"The examples the document gives for {message.display_name}.")
        + f"    examples: tuple[object, ...] = {values}\n"
        f"    return [{model}.model_validate(value) for value in examples]\n"
    )
