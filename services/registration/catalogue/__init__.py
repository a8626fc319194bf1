"""The activity catalogue: activities, spreadsheet import, key-activity lists, exports."""
