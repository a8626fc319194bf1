"""The notify service's web edge: verification codes, organizer notices, errors."""
