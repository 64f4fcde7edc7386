"""Online review sources and replies (arrives with the reputation issue)."""
