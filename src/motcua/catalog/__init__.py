"""The procedure catalog: the legal limit of what may be asked of an applicant."""
