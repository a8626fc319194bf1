"""Contracts and plumbing shared by the sciday services. No business rule lives here."""
