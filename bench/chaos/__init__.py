"""``make chaos``: a mixed workload through the real HTTP API of a private local stack whose AWS
services, posts API and Lambda runner fail at configured rates; it counts whether every job
promise held (``bench/chaos_results.md``).

Modules: ``plan`` (sizes, rates, seed), ``stack`` (the stack with the fault-injecting proxies in
front of DynamoDB Local and moto), ``workload`` (the jobs, their submission and the wait),
``tally`` (the figures, from the jobs, the proxies' logs, the posts API and the import results),
``report`` (the table and the markdown), ``run`` (all of it, for ``__main__`` and the test).
"""
