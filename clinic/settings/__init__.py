"""Settings package: base, then one module per environment (local, test, production)."""
