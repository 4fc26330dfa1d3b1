"""Contract tests of the streetlight controller, against the official Streetlights MQTT document.

Run with ``pytest examples/streetlights_service --asyncapi streetlights-mqtt-asyncapi.yml``
(README of this folder: where the document comes from). Each test drives the controller with
a ``lightMeasured`` message, published through the plugin (which refuses one the document does
not allow), and the plugin checks every command the controller sends — payload, the
``my-app-header`` user property, the topic's ``streetlightId`` — failing the test during
which a bad one was sent. The tests check what the document cannot say: which command a
measurement calls for, and that it goes to the streetlight that measured.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from streetlights_service import BRIGHT, DARK

if TYPE_CHECKING:
    from streetlights_service import StreetlightsController

    from pytest_asyncapi.plugin.fixtures import AsyncAPIFixture

pytestmark = pytest.mark.asyncio

MEASURED = "lightingMeasured"
SENT_AT = "2026-12-07T18:30:00Z"


async def measure(asyncapi: AsyncAPIFixture, streetlight: str, lumens: int) -> None:
    """Publish what a streetlight measured, as the document says a streetlight does."""
    await asyncapi.apublish(
        MEASURED,
        {"lumens": lumens, "sentAt": SENT_AT},
        {"my-app-header": 12},
        parameters={"streetlightId": streetlight},
    )


async def test_a_dark_street_turns_its_light_on(
    controller: StreetlightsController, asyncapi: AsyncAPIFixture
) -> None:
    await measure(asyncapi, "lamp-7", DARK - 1)

    [command] = await asyncapi.aexpect("lightTurnOn")

    assert command.destination == "smartylighting/streetlights/1/0/action/lamp-7/turn/on"
    assert json.loads(command.payload)["command"] == "on"


async def test_a_bright_street_turns_its_light_off(
    controller: StreetlightsController, asyncapi: AsyncAPIFixture
) -> None:
    await measure(asyncapi, "lamp-1", BRIGHT + 1)

    [command] = await asyncapi.aexpect("lightTurnOff")

    assert command.destination.endswith("/action/lamp-1/turn/off")
    assert json.loads(command.payload)["command"] == "off"


async def test_dusk_dims_in_proportion(
    controller: StreetlightsController, asyncapi: AsyncAPIFixture
) -> None:
    await measure(asyncapi, "lamp-3", (DARK + BRIGHT) // 2)

    [command] = await asyncapi.aexpect("lightsDim")

    assert command.destination.endswith("/action/lamp-3/dim")
    assert json.loads(command.payload)["percentage"] == 50


async def test_each_streetlight_gets_its_own_command(
    controller: StreetlightsController, asyncapi: AsyncAPIFixture
) -> None:
    for streetlight in ("north-1", "north-2", "north-3"):
        await measure(asyncapi, streetlight, 0)

    commands = await asyncapi.aexpect("lightTurnOn", count=3)

    assert sorted(c.destination.split("/")[5] for c in commands) == [
        "north-1",
        "north-2",
        "north-3",
    ]
