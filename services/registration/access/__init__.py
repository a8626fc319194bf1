"""Access: the verified phone, real-name identity, and the per-phone and per-ID limits."""
