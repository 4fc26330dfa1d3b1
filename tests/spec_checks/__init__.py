"""Tests of the document checks (official schema and semantic rules)."""
