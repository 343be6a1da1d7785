"""One error hierarchy. The API turns these into 4xx answers; the worker into job outcomes."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error this service raises on purpose."""


class InvalidInput(ServiceError):
    """Bad input: the message names the parameter or field and the rule it broke (HTTP 400)."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class NotFound(ServiceError):
    """The thing asked for does not exist (HTTP 404)."""


class Conflict(ServiceError):
    """The job is in a state that does not allow the request, e.g. cancelling a finished job (HTTP 409)."""


class Cancelled(ServiceError):
    """Raised at a running job's checkpoint when a cancel was requested: the worker ends it ``cancelled``."""


class Unavailable(ServiceError):
    """Temporarily unable to answer, e.g. a table still loading (HTTP 503)."""

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RetryableJobError(ServiceError):
    """Raised by a job kind for a transient failure: the queue delivers the job again."""


class TooLarge(ServiceError):
    """A request body over the limit (HTTP 413); the message says what to do instead."""


class ContinueLater(ServiceError):
    """Raised by a job kind to stop for now and continue in a new delivery after ``delay_seconds``
    (a long job working in slices, or one that would otherwise wait long for a rate limit)."""

    def __init__(self, message: str, delay_seconds: int = 0) -> None:
        super().__init__(message)
        self.delay_seconds = max(0, min(delay_seconds, 900))  # SQS allows up to 15 minutes


class UnsupportedMedia(ServiceError):
    """A body or file of the wrong type (HTTP 415)."""
