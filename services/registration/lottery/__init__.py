"""The lottery (摇号): entering, the verifiable draw, settling and publishing it."""
