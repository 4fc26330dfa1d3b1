"""The Kafka publisher module of end-to-end plugin runs (a service's own aiokafka producer)."""

from __future__ import annotations

KAFKA_PUBLISHER = '''
import asyncio, json, os
from aiokafka import AIOKafkaProducer

ORDER = {
    "orderId": "ord-000042",
    "customerId": "cust-1",
    "items": [{"sku": "SKU-1", "quantity": 2, "unitPrice": 9.5}],
    "total": 19.0,
    "currency": "EUR",
    "createdAt": "2026-11-28T10:00:00Z",
}
HEADERS = {"event-type": "OrderCreated", "trace-id": "t-1"}


def send(topic, payload, key="ord-000042", headers=HEADERS):
    """Publish like the service would: its own producer, acknowledged."""
    async def go():
        producer = AIOKafkaProducer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"])
        await producer.start()
        try:
            await producer.send_and_wait(
                topic,
                json.dumps(payload).encode(),
                key=key.encode() if key is not None else None,
                headers=[(k, v.encode()) for k, v in headers.items()],
            )
        finally:
            await producer.stop()
    asyncio.run(go())
'''
