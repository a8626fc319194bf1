"""Reminders before an activity starts, scheduled durably."""
