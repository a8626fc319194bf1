"""The door: verdicts on a scanned ticket, undo, gates, card matching, lookup."""
