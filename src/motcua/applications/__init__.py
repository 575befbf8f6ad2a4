"""Applications: the citizen's draft from procedure to dossier, and fees with payment."""
