"""Layout, shared templates, static files and translations; each module owns its own pages."""
