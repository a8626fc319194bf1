"""The release queue (issue 28): a random place for everyone present at the release, FIFO after,
admission in batches with a signed token (docs/queue.md)."""
