"""The ``asyncapi-contract`` CLI: ``main`` parses and dispatches, one module per subcommand."""
