"""e2e fixtures (the stack, Chromium) live in tests/conftest.py, shared with security and faults."""
