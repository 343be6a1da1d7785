"""``python -m jobsvc``: the command line (``jobsvc.cli``)."""

from __future__ import annotations

import sys

from jobsvc.cli import main

if __name__ == "__main__":
    sys.exit(main())
