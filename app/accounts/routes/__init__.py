"""HTTP views of the domain; each module has its own blueprint (or adds to the API's)."""
