"""One module per job kind, each a pure computation, its parameters' model and its ``KIND``.

Adding a kind: write its module here and list its ``KIND`` in ``registry.py`` (docs/ARCHITECTURE.md,
"Adding a job kind", has the whole list, routes included).
"""
