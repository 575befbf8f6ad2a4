"""Dossiers (hồ sơ): submission, codes, items, uploads, history, tracking and the receipt slip."""
