"""A pytest plugin that runs moto's own test suites against lambdeck's local stack.

moto's tests have a "server mode" (TEST_SERVER_MODE=true): every boto3 client they make is sent to
TEST_SERVER_MODE_ENDPOINT instead of moto's in-process mock, and where a test starts or ends, moto
wipes the server's state through its private `POST /moto-api/reset`. This plugin points that
endpoint at a `lambdeck local` it starts itself, and where moto would reset, it restarts
`lambdeck local` on the same port with empty (in-memory) state: each test starts on a fresh stack,
as it would on moto's server. Nothing else changes: the tests' calls and assertions are moto's.

moto's tests assume the account 123456789012 in ARNs; the stack is started with
`--account-id 123456789012` (override with LAMBDECK_MOTO_ACCOUNT_ID).

moto's Lambda tests get their functions' role from a helper (`get_role_name`) that loops until
GetRole or CreateRole of `my-role` succeeds, creating it with the trust policy "some policy". AWS
refuses that document (MalformedPolicyDocument), and so does lambdeck; moto takes it. So that the
helper does not loop forever, every fresh stack gets that role (path `/my-path/`, trusting
lambda.amazonaws.com) before a test runs, as the helper would have made it on moto.

Environment:
  LAMBDECK_BIN          the lambdeck binary (default: `lambdeck` on PATH)
  LAMBDECK_MOTO_PORT    the port to serve on (default 45999)
  LAMBDECK_MOTO_ARGS    extra arguments for `lambdeck local` (e.g. `--update-window-ms 0`)

Use: pytest -p lambdeck_moto tests/test_apigateway (with this directory on PYTHONPATH, from a
checkout of moto's repository with moto's test requirements installed).
"""

import atexit
import os
import shlex
import socket
import subprocess
import time

_PORT = int(os.environ.get("LAMBDECK_MOTO_PORT", "45999"))
_ENDPOINT = f"http://127.0.0.1:{_PORT}"

# moto reads these when it is first imported: this plugin loads (-p) before any test module.
os.environ["TEST_SERVER_MODE"] = "true"
os.environ["TEST_SERVER_MODE_ENDPOINT"] = _ENDPOINT
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


class _Stack:
    """One `lambdeck local` process, restarted on demand."""

    def __init__(self):
        self.proc = None

    def start(self):
        self.stop()
        cmd = [
            os.environ.get("LAMBDECK_BIN", "lambdeck"),
            "local",
            "--port",
            str(_PORT),
            "--account-id",
            os.environ.get("LAMBDECK_MOTO_ACCOUNT_ID", "123456789012"),
            *shlex.split(os.environ.get("LAMBDECK_MOTO_ARGS", "")),
        ]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"`{shlex.join(cmd)}` exited with {self.proc.returncode}"
                )
            try:
                socket.create_connection(("127.0.0.1", _PORT), timeout=0.2).close()
            except OSError:
                time.sleep(0.01)
                continue
            _create_lambda_role()
            return
        raise RuntimeError(f"`{shlex.join(cmd)}` did not listen within 30 s")

    def stop(self):
        # Killed, not stopped: its state is in memory and thrown away anyway, and a graceful stop
        # would wait for the clients' idle keep-alive connections.
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def _create_lambda_role():
    """The role moto's `get_role_name` helper would have created (see the module comment)."""
    import json
    import urllib.parse
    import urllib.request

    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    form = urllib.parse.urlencode(
        {
            "Action": "CreateRole",
            "Version": "2010-05-08",
            "RoleName": "my-role",
            "Path": "/my-path/",
            "AssumeRolePolicyDocument": json.dumps(trust),
        }
    ).encode()
    request = urllib.request.Request(
        _ENDPOINT + "/",
        data=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request",
        },
    )
    urllib.request.urlopen(request, timeout=10).read()


_stack = _Stack()
atexit.register(_stack.stop)


def _reset(self):
    # Where moto would POST /moto-api/reset: a fresh stack.
    _stack.start()


def pytest_configure(config):
    from moto.core import models

    models.ServerModeMockAWS.reset = _reset
    _stack.start()


def pytest_unconfigure(config):
    _stack.stop()
