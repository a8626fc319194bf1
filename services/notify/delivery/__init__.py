"""Delivery: one intent per message, recorded before any provider call, exactly once."""
