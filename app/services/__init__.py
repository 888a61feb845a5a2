"""Business rules as named functions, testable without HTTP."""
