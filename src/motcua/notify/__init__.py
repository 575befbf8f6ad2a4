"""Notifications to applicants and officers (e-mail, SMS), delivered from the outbox."""
