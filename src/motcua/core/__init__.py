"""Settings, database, clock and working-day calendar, errors, text folding."""
