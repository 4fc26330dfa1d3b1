"""Helpers shared by test folders (the only test code other test modules import)."""
