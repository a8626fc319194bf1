"""The registration service's web edge: registrants' pages, errors, schemas, my registrations."""
