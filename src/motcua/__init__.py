"""motcua: data-driven, full-process online public services and their monitoring system."""

__version__ = "0.1.0"
