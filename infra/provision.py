"""Create the service's tables, queues and bucket where the environment points: ``make provision``."""

from __future__ import annotations

from chalicelib.aws import clients
from chalicelib.config import get_settings
from infra.resources import provision


def main() -> None:
    for line in provision(get_settings(), clients.dynamodb(), clients.sqs(), clients.s3()):
        print(line)


if __name__ == "__main__":
    main()
