"""The no-show record (爽约): marks, the festival-wide lock, forgiveness."""
