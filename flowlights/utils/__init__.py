"""Flow-compatible helpers (``flowlights.utils.registry.make_create_env``)."""
