"""Which schema language a ``schemaFormat`` names, and whether we can check it.

AsyncAPI Schema (any ``application/vnd.aai.asyncapi[+json|+yaml];version=X``, and the default
when a document gives none) is a superset of JSON Schema draft-07 whose additions
(``discriminator``, ``externalDocs``, ``deprecated``, ``x-*``) are annotations, so it is checked
as draft-07. ``application/schema+json`` / ``+yaml`` select the draft by ``version``
(draft-07 when absent). Avro and Protobuf are no JSON Schema dialect: ``compile_schema`` hands
them to ``schemas/binary.py`` first. Everything else (RAML, OpenAPI, unknown) is reported
unchecked with a reason, never valid.
"""

from __future__ import annotations

from dataclasses import dataclass

_ASYNCAPI_TYPES = frozenset(
    {
        "application/vnd.aai.asyncapi",
        "application/vnd.aai.asyncapi+json",
        "application/vnd.aai.asyncapi+yaml",
    }
)
_JSON_SCHEMA_TYPES = frozenset({"application/schema+json", "application/schema+yaml"})
_JSON_SCHEMA_VERSIONS = ("draft-04", "draft-06", "draft-07", "2019-09", "2020-12")
_KNOWN_UNSUPPORTED = (
    ("application/vnd.apache.avro", "Avro"),
    ("application/vnd.google.protobuf", "Protobuf"),
    ("application/raml+yaml", "RAML"),
    ("application/vnd.oai.openapi", "OpenAPI"),
)


@dataclass(frozen=True)
class Dialect:
    """A checkable schema language: the JSON Schema ``draft`` it is validated as."""

    draft: str

    @property
    def definitions_keyword(self) -> str:
        """Where bundled subschemas go: ``definitions`` before 2019-09, ``$defs`` after."""
        return "$defs" if self.draft in ("2019-09", "2020-12") else "definitions"


def _parse(schema_format: str) -> tuple[str, dict[str, str]]:
    media_type, *params = (part.strip() for part in schema_format.lower().split(";"))
    parsed: dict[str, str] = {}
    for param in params:
        key, _, value = param.partition("=")
        parsed[key.strip()] = value.strip().strip('"')
    return media_type, parsed


def dialect_for(schema_format: str | None) -> Dialect | str:
    """The :class:`Dialect` for ``schema_format``, or the reason it cannot be checked."""
    if schema_format is None or not schema_format.strip():
        return Dialect("draft-07")
    media_type, params = _parse(schema_format)
    shown = schema_format.strip()
    if media_type in _ASYNCAPI_TYPES:
        return Dialect("draft-07")
    if media_type in _JSON_SCHEMA_TYPES:
        version = params.get("version", "draft-07")
        if version in _JSON_SCHEMA_VERSIONS:
            return Dialect(version)
        return (
            f"schema format {shown} names JSON Schema version {version!r}, which is not "
            f"supported (supported: {', '.join(_JSON_SCHEMA_VERSIONS)}); "
            "messages are reported unchecked"
        )
    for prefix, language in _KNOWN_UNSUPPORTED:
        if media_type.startswith(prefix):
            return (
                f"schema format {shown} ({language}) is not supported yet; "
                "messages are reported unchecked"
            )
    return f"schema format {shown} is unknown; messages are reported unchecked"


def schema_support(schema_format: str | None) -> str | None:
    """``None`` when messages with this schema format can be checked, else the reason why not."""
    found = dialect_for(schema_format)
    return found if isinstance(found, str) else None
