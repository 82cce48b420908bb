# lambdeck's Python runtime for the local stack: speaks the Lambda Runtime API the way AWS's Python
# runtime interface client does (handler resolution, context object, error documents, logging format),
# with nothing beyond the standard library. Run as `python3 bootstrap.py`; the function's code is in
# LAMBDA_TASK_ROOT.
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API = os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
HANDLER = os.environ.get("_HANDLER", "")

_conn = None


def call(method, path, body=None, headers=None):
    global _conn
    for attempt in range(2):
        if _conn is None:
            host, port = API.rsplit(":", 1)
            _conn = http.client.HTTPConnection(host, int(port))
        try:
            _conn.request(method, path, body=body, headers=headers or {})
            res = _conn.getresponse()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
        except (http.client.HTTPException, OSError):
            _conn.close()
            _conn = None
            if attempt == 1:
                raise


class RuntimeFault(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def error_document(exc, kind=None):
    return {
        "errorMessage": str(exc),
        "errorType": kind or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__))
        if exc.__traceback__
        else [],
    }


def post_error(path, doc):
    call(
        "POST",
        path,
        json.dumps(doc).encode(),
        {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": doc["errorType"]},
    )


class Context:
    def __init__(self, headers):
        self._deadline = int(headers.get("lambda-runtime-deadline-ms", "0"))
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        if headers.get("lambda-runtime-client-context"):
            self.client_context = json.loads(headers["lambda-runtime-client-context"])
        if headers.get("lambda-runtime-cognito-identity"):
            self.identity = json.loads(headers["lambda-runtime-cognito-identity"])

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline - int(time.time() * 1000))


class _RequestIdFilter(logging.Filter):
    request_id = None

    def filter(self, record):
        record.aws_request_id = _RequestIdFilter.request_id
        return True


def setup_logging():
    # The managed runtime's root logger format: [LEVEL]\ttimestamp\trequestId\tmessage.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.formatter.converter = time.gmtime
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)


def resolve_handler():
    try:
        modname, fname = HANDLER.rsplit(".", 1)
    except ValueError as e:
        raise RuntimeFault("Runtime.MalformedHandlerName", f"Bad handler '{HANDLER}': {e}")
    modname = modname.replace("/", ".")
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    try:
        module = importlib.import_module(modname)
    except SyntaxError as e:
        raise RuntimeFault("Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {e}")
    except ImportError as e:
        raise RuntimeFault("Runtime.ImportModuleError", f"Unable to import module '{modname}': {e}")
    fn = getattr(module, fname, None)
    if fn is None:
        raise RuntimeFault("Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'")
    return fn


def main():
    setup_logging()
    try:
        handler = resolve_handler()
    except RuntimeFault as e:
        print(f"[ERROR] {e.kind}: {e}", flush=True)
        post_error("/2018-06-01/runtime/init/error", error_document(e, e.kind))
        sys.exit(1)
    except Exception as e:  # noqa: BLE001 - init code of the function raised
        print(f"[ERROR] {type(e).__name__}: {e}", flush=True)
        post_error("/2018-06-01/runtime/init/error", error_document(e))
        sys.exit(1)
    while True:
        status, headers, body = call("GET", "/2018-06-01/runtime/invocation/next")
        if status != 200:
            continue
        request_id = headers.get("lambda-runtime-aws-request-id")
        _RequestIdFilter.request_id = request_id
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("lambda-runtime-trace-id", "")
        try:
            event = json.loads(body or b"null")
        except ValueError:
            event = body.decode("utf-8", "replace")
        try:
            result = handler(event, Context(headers))
        except Exception as e:  # noqa: BLE001 - the function's own error
            doc = error_document(e)
            doc["requestId"] = request_id
            print(f"[ERROR] {doc['errorType']}: {doc['errorMessage']}\nTraceback (most recent call last):\n"
                  + "".join(doc["stackTrace"]), flush=True)
            post_error(f"/2018-06-01/runtime/invocation/{request_id}/error", doc)
            continue
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        try:
            payload = json.dumps(result).encode()
        except (TypeError, ValueError) as e:
            doc = {
                "errorMessage": f"Unable to marshal response: {e}",
                "errorType": "Runtime.MarshalError",
                "requestId": request_id,
                "stackTrace": [],
            }
            post_error(f"/2018-06-01/runtime/invocation/{request_id}/error", doc)
            continue
        call(
            "POST",
            f"/2018-06-01/runtime/invocation/{request_id}/response",
            payload,
            {"Content-Type": "application/json"},
        )


if __name__ == "__main__":
    main()
