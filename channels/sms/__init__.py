"""SMS channel: one small adapter per gateway over a shared core."""
