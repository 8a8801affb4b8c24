"""conform."""
