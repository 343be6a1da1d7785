"""One module per job kind, each a pure computation plus its ``KIND`` description.

Adding a kind: write its module here and list its ``KIND`` in ``registry.py``.
"""
