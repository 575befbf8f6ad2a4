"""Once-only data exchange: registries, connectors, consent, preview and the access log."""
