"""A pytest plugin that lets LocalStack's AWS-validated tests reach lambdeck's local stack.

In its "against AWS" mode (TEST_TARGET=AWS_CLOUD), LocalStack's harness sends its SDK calls to
AWS_ENDPOINT_URL, but calls a stage at https://{api}.execute-api.{region}.amazonaws.com/..., which
DNS sends to AWS, and a function URL at https://{id}.lambda-url.{region}.on.aws/, likewise. This
plugin sends those requests (through `requests`, which the tests use) to the endpoint instead, over
plain HTTP, with the Host header the harness gave: lambdeck routes a request whose Host is
`{api}.execute-api.{region}.amazonaws.com` to that API's stage and one whose Host is
`{id}.lambda-url.{region}.on.aws` to that function URL. Nothing else changes.

Some tests name a public echo server (httpbin.org) as an HTTP integration's backend when run
against AWS. With LAMBDECK_ECHO_SERVER_URL set (say, a local httpbin: `pip install httpbin
waitress; waitress-serve --listen=127.0.0.1:8089 httpbin:app`), those tests name that server
instead, since lambdeck's stack calls the backend from this machine.

Use: pytest -p lambdeck_endpoint (with this directory on PYTHONPATH).
"""

import os
import re
from urllib.parse import urlsplit, urlunsplit

import requests.adapters

_STAGE_HOST = re.compile(
    r"^[a-z0-9]+\.(execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?|lambda-url\.[a-z0-9-]+\.on\.aws)$"
)
_send = requests.adapters.HTTPAdapter.send


def _to_endpoint(self, request, *args, **kwargs):
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    parts = urlsplit(request.url)
    if endpoint and parts.hostname and _STAGE_HOST.match(parts.hostname):
        local = urlsplit(endpoint)
        request.headers["Host"] = parts.hostname
        request.url = urlunsplit((local.scheme, local.netloc, parts.path, parts.query, ""))
        kwargs["verify"] = False
    return _send(self, request, *args, **kwargs)


requests.adapters.HTTPAdapter.send = _to_endpoint


_echo = os.environ.get("LAMBDECK_ECHO_SERVER_URL")
if _echo:
    import localstack.testing.pytest.fixtures as _fixtures

    _fixtures.PUBLIC_HTTP_ECHO_SERVER_URL = _echo.rstrip("/")
