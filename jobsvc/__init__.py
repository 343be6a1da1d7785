"""``python -m jobsvc``: the job service's command line (list, follow, cancel and retry jobs; run a
report or an import from a local file), over the service's HTTP API with its API key."""
