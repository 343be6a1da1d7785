"""The job service's library: everything app.py wires together."""
