"""Seats: booking, the waitlist, cancelling, idempotent retries, sold-out answers."""
