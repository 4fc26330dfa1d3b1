"""pytest glue only: hooks (the pytest11 entry point), settings, session, per-test windows,
fixtures. Thin and import-light: the core is imported when a run actually uses the plugin."""
