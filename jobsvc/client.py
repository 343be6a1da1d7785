"""The service's HTTP API as the command line calls it: one base URL, the API key on every request
to it (never to the storage URLs it hands out), and each refusal as an ``ApiError`` carrying the
API's own message."""

from __future__ import annotations

from typing import Any

import requests

KEY_HEADER = "x-api-key"
TIMEOUT = 30.0


class ApiError(RuntimeError):
    """The API (or storage, or the network) refused a request; ``str()`` is the message to show."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def message_of(response: requests.Response) -> str:
    """The message of an error answer: the service's (``Message``), API Gateway's (``message``),
    else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for name in ("Message", "message"):
            if isinstance(body.get(name), str):
                return str(body[name])
    text = response.text.strip()
    return text[:300] if text else response.reason or "no message"


class Api:
    """Requests to one deployment of the service (``base``: ``http://127.0.0.1:8000``, or a stage's
    ``https://.../api``), with its API key when one is given."""

    def __init__(self, base: str, key: str | None = None, session: requests.Session | None = None) -> None:
        self.base = base.rstrip("/")
        self.session = session or requests.Session()
        self.headers = {KEY_HEADER: key} if key else {}

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def request(self, method: str, path: str, expected: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        """``method path`` on the API; its JSON answer, or ApiError with the API's message."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        try:
            response = self.session.request(method, self.url(path), headers=headers, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise ApiError(f"{method} {self.url(path)}: no answer ({type(exc).__name__}: {exc})") from None
        if response.status_code not in expected:
            raise ApiError(self._refusal(method, path, response), response.status_code)
        try:
            return response.json()
        except ValueError:
            raise ApiError(f"{method} /{path.lstrip('/')}: not JSON: {response.text[:200]!r}") from None

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict[str, Any] | None = None, expected: tuple[int, ...] = (202,)) -> Any:
        return self.request("POST", path, expected, json=body)

    def _refusal(self, method: str, path: str, response: requests.Response) -> str:
        text = f"{message_of(response)} (HTTP {response.status_code}, {method} /{path.lstrip('/')})"
        if response.status_code == 403:
            given = "a key that is not the stage's" if self.headers else "no API key"
            text += f"; sent {given}: pass --api-key or set JOBSVC_API_KEY"
        return text
