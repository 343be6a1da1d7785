"""Posts imports (seed 003): each row of a CSV sent to a third-party API, at most 7 requests a second."""
