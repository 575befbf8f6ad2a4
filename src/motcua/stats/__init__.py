"""Operational truth: dossier statistics computed from the dossiers' own history, beside what
units report, for the dashboards, the API and the steering brief."""
