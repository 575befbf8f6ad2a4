"""Administrative units (2025 two-level government) and agencies with their identifier codes."""
