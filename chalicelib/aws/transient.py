"""Which AWS errors are transient (throttling, 5xx, lost connections): worth the same work again later.

botocore's own retry classification decides (its standard mode's transient and throttled checkers),
so the service agrees with the SDK about what a retry can cure. PynamoDB wraps botocore's errors
(``.cause``); a DynamoDB transaction cancelled only by throttling or conflicts is transient too.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from botocore.retries.standard import (
    OrRetryChecker,
    RetryContext,
    ThrottledRetryableChecker,
    TransientRetryableChecker,
)

_CHECKER = OrRetryChecker([TransientRetryableChecker(), ThrottledRetryableChecker()])
# HTTP statuses botocore's checkers read from a raw response, which a ClientError no longer has.
_STATUSES = frozenset({429, 500, 502, 503, 504})
# Why a transaction item may be cancelled for a reason a retry can cure.
_TRANSIENT_CANCELLATIONS = frozenset(
    {"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict", "RequestLimitExceeded"}
)


def is_transient(exc: BaseException) -> bool:
    """True for an AWS error that may well not happen again: throttling, a 5xx, a lost connection."""
    cause = exc
    for _ in range(3):  # PynamoDB's error -> botocore's, or an error raised ``from`` one
        if _is_transient_botocore(cause):
            return True
        following = getattr(cause, "cause", None) or cause.__cause__
        if not isinstance(following, BaseException):
            return False
        cause = following
    return False


def _is_transient_botocore(exc: BaseException) -> bool:
    if not isinstance(exc, ClientError):
        caught = exc if isinstance(exc, Exception) else None
        return bool(_CHECKER.is_retryable(RetryContext(attempt_number=1, caught_exception=caught)))
    response: dict[str, Any] = dict(exc.response)
    if _CHECKER.is_retryable(RetryContext(attempt_number=1, parsed_response=response)):
        return True
    if response.get("ResponseMetadata", {}).get("HTTPStatusCode") in _STATUSES:
        return True
    reasons = [reason.get("Code") for reason in response.get("CancellationReasons", []) or []]
    codes = {code for code in reasons if code and code != "None"}
    return bool(codes) and codes <= _TRANSIENT_CANCELLATIONS
