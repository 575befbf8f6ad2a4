"""Proactive offers: services the state offers when a registry event shows something happened."""
