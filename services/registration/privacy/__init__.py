"""Privacy: proof of consent, the personal fields at rest, the retention sweep."""
