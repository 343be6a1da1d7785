"""LocalStack 4.14.0 in host mode (no Docker) as the local AWS stack: ``make test-localstack``,
``STACK=localstack make run``. Its own venv comes from ``requirements.lock``; ``files`` prepares what
it would otherwise download; ``server`` is its command line and environment."""
