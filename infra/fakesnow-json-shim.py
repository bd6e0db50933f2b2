"""fakesnow's HTTP server with Snowflake's JSON result format.

fakesnow answers SELECTs with Arrow (`rowsetBase64`), which the Node.js snowflake-sdk cannot read
from this server. This launcher wraps fakesnow's Starlette app and re-encodes every Arrow result as
the JSON `rowset` Snowflake sends to JSON clients: every value a string in Snowflake's wire form
(DATE as days since epoch, TIMESTAMP_* as "seconds.nanoseconds", TIMESTAMP_TZ with its offset,
BOOLEAN as 1/0), NULL as null.

Usage: python fakesnow-json-shim.py --host 127.0.0.1 --port 8765 [--db-path DIR]
"""

import argparse
import base64
import datetime
import gzip
import json
import os

import pyarrow as pa

EPOCH = datetime.date(1970, 1, 1)


def wire_value(value, column):
    """One value as Snowflake's JSON result format writes it."""
    if value is None:
        return None
    kind = (column.get("type") or "text").lower()
    if kind == "boolean":
        return "1" if value else "0"
    if kind == "date":
        return str((value - EPOCH).days) if isinstance(value, datetime.date) else str(value)
    if kind.startswith("timestamp"):
        if isinstance(value, dict):
            if value.get("epoch") is None:
                return None  # fakesnow's struct for a NULL timestamp has null fields
            text = f"{value['epoch']}.{int(value['fraction']):09d}"
            return f"{text} {value['timezone']}" if "timezone" in value else text
        return str(value)
    if kind == "time":
        nanos = int(value)
        return f"{nanos // 1_000_000_000}.{nanos % 1_000_000_000:09d}"
    if kind == "binary":
        return bytes(value).hex()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def arrow_to_rowset(encoded, rowtype):
    """Decodes an Arrow IPC stream (base64) into rows of wire strings."""
    if not encoded:
        return []
    table = pa.ipc.open_stream(base64.b64decode(encoded)).read_all()
    columns = [col.to_pylist() for col in table.columns]
    return [
        [wire_value(v, rowtype[i] if i < len(rowtype) else {}) for i, v in enumerate(row)]
        for row in zip(*columns)
    ]


class ArrowToJson:
    """ASGI middleware: buffers query-request responses and rewrites Arrow results as JSON rowsets."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith("/fs_bucket/"):
            # The Node driver checks a stage file with a GET on its presigned url before uploading (as GCS
            # answers it); fakesnow only takes the upload, so answer 404 (absent) or the file.
            await bucket_file(scope, send)
            return
        if scope["type"] != "http" or scope["path"] != "/queries/v1/query-request":
            await self.app(scope, receive, send)
            return
        start = {}
        chunks = []
        request_body = []

        async def peek():
            message = await receive()
            if message["type"] == "http.request":
                request_body.append(message.get("body", b""))
                if not message.get("more_body", False):
                    log_query_tag(b"".join(request_body), dict(scope["headers"]))
            return message

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    try:
                        body = rewrite(b"".join(chunks))
                    except Exception as e:  # answer, never leave the client waiting
                        body = json.dumps({"data": None, "code": "000001", "message": f"fakesnow shim: {e}", "success": False}).encode()
                    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(body)).encode()))
                    await send({**start, "headers": headers})
                    await send({"type": "http.response.body", "body": body})

        await self.app(scope, peek, capture)


async def bucket_file(scope, send):
    """A GET on an internal stage's file, as GCS answers a presigned url: 404 when absent, else its bytes."""
    from urllib.parse import unquote

    from fakesnow.transforms.stage import LOCAL_BUCKET_PATH

    target = os.path.normpath(os.path.join(LOCAL_BUCKET_PATH, unquote(scope["path"][len("/fs_bucket/") :])))
    if not target.startswith(LOCAL_BUCKET_PATH + os.sep) or not os.path.isfile(target):
        await send({"type": "http.response.start", "status": 404, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
        return
    with open(target, "rb") as f:
        body = f.read()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def log_query_tag(body, headers):
    """Logs each statement's QUERY_TAG (Snowflake would keep it in QUERY_HISTORY; fakesnow ignores it)."""
    try:
        if headers.get(b"content-encoding") == b"gzip":
            body = gzip.decompress(body)
        doc = json.loads(body)
    except (ValueError, OSError):
        return
    tag = (doc.get("parameters") or {}).get("QUERY_TAG")
    if tag:
        print(f"QUERY_TAG {tag} SQL {doc.get('sqlText', '')[:80]!r}", flush=True)


def rewrite(body):
    """The response body with an Arrow result re-encoded as a JSON rowset (other bodies unchanged)."""
    try:
        doc = json.loads(body)
    except ValueError:
        return body
    data = doc.get("data") if isinstance(doc, dict) else None
    stage = data.get("stageInfo") if isinstance(data, dict) else None
    if isinstance(stage, dict) and stage.get("locationType") == "GCS":
        # A PUT: the Node driver's GCS client reads the stage's region (the Python connector does not).
        stage.setdefault("region", "local")
        return json.dumps(doc).encode()
    if not isinstance(data, dict) or data.get("queryResultFormat") not in ("arrow", "json"):
        return body
    for column in data.get("rowtype") or []:
        # The Node driver reads a timestamp's fraction digits from its scale, which fakesnow leaves null.
        if (column.get("type") or "").lower().startswith(("timestamp", "time")) and column.get("scale") is None:
            column["scale"] = 9
    if data["queryResultFormat"] == "arrow":
        data["rowset"] = arrow_to_rowset(data.pop("rowsetBase64", ""), data.get("rowtype") or [])
        data["queryResultFormat"] = "json"
    data["returned"] = len(data.get("rowset") or [])  # the Node driver counts inline rows by it
    return json.dumps(doc).encode()


def patch_fakesnow():
    """Fixes in fakesnow's translation where it differs from Snowflake, each named for what it fixes."""
    import fakesnow.transforms as transforms
    from sqlglot import exp

    def sequence_nextval(expression):
        # fakesnow keeps only the last part of `schema.seq.NEXTVAL`, so another session (whose current
        # schema differs) does not find the sequence; Snowflake resolves the qualified name.
        if (
            isinstance(expression, exp.Column)
            and isinstance(expression.this, exp.Identifier)
            and expression.this.this.upper() == "NEXTVAL"
            and expression.table
        ):
            name = ".".join(part for part in (expression.catalog, expression.db, expression.table) if part)
            nextval = exp.Anonymous(this="nextval", expressions=[exp.Literal(this=name, is_string=True)])
            if isinstance(expression.parent, exp.Alias):
                return nextval
            return exp.Alias(this=nextval, alias=exp.Identifier(this="NEXTVAL", quoted=False))
        return expression

    transforms.sequence_nextval = sequence_nextval


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    import uvicorn

    import fakesnow.server

    patch_fakesnow()
    uvicorn.run(ArrowToJson(fakesnow.server.app), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
