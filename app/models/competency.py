"""Models of the competency area (filled in by that area)."""
