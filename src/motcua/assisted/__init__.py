"""Assisted filing: a community digital team member files with a citizen who is present."""
