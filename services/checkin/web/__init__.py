"""The check-in service's web edge: the scanner page, errors, schemas."""
