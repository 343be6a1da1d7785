"""Play-count reports (seed 004): aggregate a CSV of plays, larger than memory, into totals."""
