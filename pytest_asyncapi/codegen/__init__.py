"""Typed code from an AsyncAPI document (``codegen``), and models checked against it
(``check-models``). Needs the ``codegen`` extra: datamodel-code-generator and pydantic."""
