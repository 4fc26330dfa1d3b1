"""Pact interop: Pact message pacts read as consumer contracts, and pacts written from a document.

``reader`` parses v3 message pacts and v4 message interactions; ``paths`` and ``expectations``
turn contents + matching rules into the JSON Schema of what the consumer relies on;
``mapping`` pairs each interaction with a message the provider's document declares;
``consumer`` builds a consumer :class:`~pytest_asyncapi.spec.model.Spec` from them (so
``verify`` and ``--asyncapi-consumer`` treat a pact like a consumer document); ``export``
goes the other way.
"""
