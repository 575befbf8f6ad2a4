"""Imports from the former provincial one-stop systems: old dossiers and their old codes."""
