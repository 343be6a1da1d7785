"""One job system for every kind of work: model, state machine, registry of kinds, queue, worker."""
