"""Plans, tasks, daily reports before the cut-off, status rules and roll-ups (DOMAIN §6)."""
