"""The steering brief (placeholder replaced below)."""
