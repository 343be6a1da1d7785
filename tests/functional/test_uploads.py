"""Uploads in the request (POST /imports, POST /reports): a bad Content-Type header is a 400
naming it, never a 500 (defect 12: a header outside Latin-1 crashed the multipart parser)."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client
from urllib3 import encode_multipart_formdata

FILES = {"/imports": b"userId,title,body\n1,a,b\n", "/reports": b"Song,Date,Number of Plays\nx,2020-01-01,1\n"}


@pytest.mark.parametrize("path", sorted(FILES))
@pytest.mark.parametrize("extra", ["; charset=\u00fctf-8\u2192", "; name=\u65e5\u672c", "; x=\u00e9"])
def test_a_content_type_outside_ascii_is_a_400_naming_the_header(client: Client, path: str, extra: str) -> None:
    body, content_type = encode_multipart_formdata({"file": ("f.csv", FILES[path], "text/csv")})
    response = client.http.post(path, body=body, headers={"Content-Type": content_type + extra})
    assert response.status_code == 400, response.body
    assert json.loads(response.body)["Message"].startswith("Content-Type: must be ASCII text")


@pytest.mark.parametrize("path", sorted(FILES))
def test_the_same_upload_with_an_ascii_content_type_is_accepted(client: Client, path: str) -> None:
    body, content_type = encode_multipart_formdata({"file": ("f.csv", FILES[path], "text/csv")})
    response = client.http.post(path, body=body, headers={"Content-Type": content_type + "; charset=utf-8"})
    assert response.status_code == 202, response.body
