"""Load tests reuse the plugin tests' pytester setup (specs, publisher module)."""

from tests.plugin.conftest import contract_pytester

__all__ = ["contract_pytester"]
