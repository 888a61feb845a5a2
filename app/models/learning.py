"""Models of the learning area (filled in by that area)."""
