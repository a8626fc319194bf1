"""The sciday command line and the embedded stack (`sciday up`)."""
