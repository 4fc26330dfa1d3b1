"""``python -m pytest_asyncapi`` runs the ``asyncapi-contract`` CLI."""

from pytest_asyncapi.cli.main import main

raise SystemExit(main())
