"""On-site standby (现场候补): joining, releasing seats, calling numbers, admitting."""
