"""Models of the contest area (filled in by that area)."""
