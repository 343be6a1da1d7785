"""Who may call what: an API key on every mutating route, where the stage asks for one.

Applied once to the whole app after its blueprints are registered, so a POST route added
later is covered without anyone remembering to mark it. GET routes stay open. API Gateway
checks the key (``x-api-key`` header) against the stage's usage plan; ``chalice local``
does not check keys, and the ``local`` stage does not ask for them.
"""

from __future__ import annotations

from chalice.app import Chalice

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def require_api_key_on_mutations(app: Chalice, required: bool) -> list[str]:
    """Set ``api_key_required`` on every mutating route; return them as ``METHOD /path``."""
    marked = []
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if method in MUTATING_METHODS:
                entry.api_key_required = required
                marked.append(f"{method} {path}")
    return sorted(marked)
