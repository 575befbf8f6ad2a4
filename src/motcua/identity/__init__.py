"""Officers, their roles and API tokens (the officer part of identity; citizens come later)."""
