"""An orders service on Kafka (aiokafka): the example for pytest-asyncapi's Kafka support."""

from __future__ import annotations

from orders_service.events import BROKEN_VARIANTS, Item
from orders_service.service import Order, OrderError, OrdersService

__all__ = ["BROKEN_VARIANTS", "Item", "Order", "OrderError", "OrdersService"]
