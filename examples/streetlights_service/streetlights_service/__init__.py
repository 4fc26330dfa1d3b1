"""The example streetlight controller (see ``controller.py``)."""

from streetlights_service.controller import BRIGHT, DARK, Command, StreetlightsController, decide

__all__ = ["BRIGHT", "DARK", "Command", "StreetlightsController", "decide"]
