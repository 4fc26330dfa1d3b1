"""A document and a suite whose names and payloads try to inject markup into the reports."""

from __future__ import annotations

EVIL = "a|b `tick` <script>alert(1)</script> *em* _u_ [x](http://evil.example) ~~s~~ $m$ &amp;"

SPEC = f"""
asyncapi: 3.0.0
info: {{title: 'Shop {EVIL.replace("'", "''")}', version: '1.0.0'}}
servers:
  local: {{host: 'localhost:4222', protocol: nats}}
channels:
  'orders {EVIL.replace("'", "''")}':
    address: orders.created
    messages:
      'Created {EVIL.replace("'", "''")}':
        name: 'Created {EVIL.replace("'", "''")}'
        payload:
          type: object
          required: [id]
          properties:
            id: {{type: string, pattern: '^o-[0-9]+$'}}
"""

SUITE = f"""
from publisher import publish

def test_good():
    publish("orders.created", {{"id": "o-1"}})

def test_evil_value():
    publish("orders.created", {{"id": {EVIL!r}}})
"""
