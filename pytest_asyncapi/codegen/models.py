"""Pydantic v2 models from the collected schemas, by datamodel-code-generator.

The generator reads one JSON Schema document (see :mod:`.schemas`), so AsyncAPI versions it
does not know (3.1), traits and multi-format schemas are the loader's business, not its.
What is fixed afterwards: its own header (replaced by ours), the placeholder class it makes for
the document root, and the ``MISSING`` import (pydantic 2.14 moved it out of ``experimental``).
Optional properties use the ``MISSING`` sentinel, so a dumped model holds exactly the
properties that were set, never an ``null`` the document does not allow.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from pytest_asyncapi.errors import SpecError

FORMATS_AS_TEXT = (
    "email", "idn-email", "uri", "iri", "uri-reference", "iri-reference", "uri-template",
    "hostname", "idn-hostname", "ipv4", "ipv6", "time", "duration", "json-pointer",
    "relative-json-pointer", "regex", "binary", "byte", "password",
)  # fmt: skip
"""String formats kept as ``str``: pydantic's own checks of them (email-validator, URL
normalisation) differ from the document's validator, so a valid value could fail to parse.
``email`` and ``uri`` get the package's own checked types instead (``x-python-type``)."""

_ROOT = re.compile(r"\nclass Model\(RootModel\[Any\]\):\n    root: Any\n\n?")
_EXPERIMENTAL = "from pydantic.experimental.missing_sentinel import MISSING\n"


class GeneratorError(SpecError):
    """datamodel-code-generator could not turn a schema of the document into models."""


def generate_models(document: dict[str, Any], base_class: str) -> str:
    """The models module for ``document`` (``$defs`` only), without its header line."""
    from datamodel_code_generator import LiteralType, generate
    from datamodel_code_generator.enums import DataModelType, InputFileType
    from datamodel_code_generator.format import Formatter, PythonVersion

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            code = generate(
                document,
                input_file_type=InputFileType.JsonSchema,
                output_model_type=DataModelType.PydanticV2BaseModel,
                target_python_version=PythonVersion.PY_310,
                base_class=base_class,
                disable_timestamp=True,
                use_annotated=True,
                field_constraints=True,
                enum_field_as_literal=LiteralType.All,
                use_union_operator=True,
                use_standard_collections=True,
                use_missing_sentinel=True,
                use_double_quotes=True,
                keep_model_order=True,
                disable_future_imports=True,
                collapse_root_models=True,
                use_schema_description=True,
                use_field_description=True,
                formatters=[Formatter.BUILTIN],
                builtin_format_line_length=100,
                type_mappings=[f"{name}=string" for name in FORMATS_AS_TEXT],
            )
        except Exception as error:  # the generator raises many unrelated types
            raise GeneratorError(
                f"datamodel-code-generator failed: {error}",
                hint="simplify the schema it names, or report the schema to us",
            ) from error
    if not isinstance(code, str):
        raise GeneratorError("datamodel-code-generator returned several modules")
    return _tidy(code)


def _tidy(code: str) -> str:
    lines = code.splitlines(keepends=True)
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    code = _ROOT.sub("\n", "".join(lines))
    if _EXPERIMENTAL in code:
        code = code.replace(_EXPERIMENTAL, "")
        code = _add_import(code, "pydantic", "MISSING")
    if "RootModel[" not in code:
        code = _drop_import(code, "pydantic", "RootModel")
    if not re.search(r"\bAny\b", code.split("\n\n\n", 1)[-1]):
        code = _drop_import(code, "typing", "Any")
    return re.sub(r"\n{4,}", "\n\n\n", code)


def _import_line(module: str) -> re.Pattern[str]:
    return re.compile(rf"^from {re.escape(module)} import (\([^)]*\)|[^\n]*)\n", re.M)


def _names(found: re.Match[str]) -> list[str]:
    return [
        n.strip() for n in found.group(1).strip("()").replace("\n", " ").split(",") if n.strip()
    ]


def _render(module: str, names: list[str]) -> str:
    if not names:
        return ""
    line = f"from {module} import {', '.join(names)}\n"
    if len(line) <= 101:
        return line
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")\n"


def _add_import(code: str, module: str, name: str) -> str:
    found = _import_line(module).search(code)
    if found is None:
        return code.replace("\n\n", f"\n\nfrom {module} import {name}\n", 1)
    names = sorted({*_names(found), name}, key=lambda n: (not n.isupper(), n))
    return code[: found.start()] + _render(module, names) + code[found.end() :]


def _drop_import(code: str, module: str, name: str) -> str:
    found = _import_line(module).search(code)
    if found is None:
        return code
    names = [n for n in _names(found) if n != name]
    return code[: found.start()] + _render(module, names) + code[found.end() :]
