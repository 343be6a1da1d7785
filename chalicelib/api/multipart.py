"""Reading a ``multipart/form-data`` body (a small upload that came through the API)."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.parser import BytesParser

from chalice.app import Request

from chalicelib.errors import InvalidInput, TooLarge

# A file in the request, at most: API Gateway takes 10 MB, Lambda 6 MB; bigger files go through S3.
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content: bytes


def request_file(request: Request, beyond: str = "") -> UploadedFile:
    """The file of a multipart request of at most ``MAX_BYTES`` (413 beyond, saying ``beyond``)."""
    raw = request.raw_body if isinstance(request.raw_body, bytes) else request.raw_body.encode()
    if len(raw) > MAX_BYTES:
        raise TooLarge(f"file: {len(raw):,} bytes is over {MAX_BYTES:,}{beyond}")
    return uploaded_file(raw, request.headers.get("content-type", ""))


def uploaded_file(body: bytes, content_type: str, field: str = "file") -> UploadedFile:
    """The file sent in form field ``field``; a 400 naming the field if there is none, or naming
    the Content-Type header if it is not ASCII (RFC 9110: a header's value is ASCII text; API
    Gateway hands other bytes on as UTF-8, a server such as chalice local as Latin-1)."""
    if not content_type.isascii():
        at = next(index for index, char in enumerate(content_type) if not char.isascii())
        raise InvalidInput(
            "Content-Type", f"must be ASCII text; found {content_type[at]!r} at character {at + 1} of the header"
        )
    if "boundary=" not in content_type:
        raise InvalidInput(field, "send the file as multipart/form-data (curl -F file=@plays.csv)")
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("ascii") + b"\r\n\r\n" + body
    )
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == field:
            content = part.get_payload(decode=True)
            return UploadedFile(part.get_filename() or "upload.csv", content if isinstance(content, bytes) else b"")
    raise InvalidInput(field, "is required: a form field named 'file' holding the CSV")
