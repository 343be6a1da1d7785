"""The sales records behind ``/logs``: table registry, row parsing, loading and querying."""
