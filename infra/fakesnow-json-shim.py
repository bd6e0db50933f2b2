"""fakesnow's HTTP server with Snowflake's JSON result format.

fakesnow answers SELECTs with Arrow (`rowsetBase64`), which the Node.js snowflake-sdk cannot read
from this server. This launcher wraps fakesnow's Starlette app and re-encodes every Arrow result as
the JSON `rowset` Snowflake sends to JSON clients: every value a string in Snowflake's wire form
(DATE as days since epoch, TIMESTAMP_* as "seconds.nanoseconds", TIMESTAMP_TZ with its offset,
BOOLEAN as 1/0), NULL as null.

Every statement first passes the strict check (fakesnow_strict.py): SQL real Snowflake rejects, such as
DuckDB-only functions and syntax that fakesnow would run on DuckDB, is refused with Snowflake's error.

A session whose transaction stays open with no statement for --idle-transaction-seconds (default 60) is
expired: its transaction rolled back, its locks released, its token refused from then on. Snowflake
aborts a detached transaction (its client killed inside it) once it has been idle for 5 minutes while
blocking another transaction's lock (docs.snowflake.com/en/sql-reference/transactions, "Aborting
transactions"); this is that rule scaled down, and simplified to any idle open transaction. fakesnow alone
keeps it open forever, and every other session's write to a row it changed conflicts until the server stops.

With --s3-port it also serves a local S3 (moto) on that port, and COPY INTO from an external stage on
an s3:// URL reads that S3, as Snowflake reads the bucket behind the stage.

Usage: python fakesnow-json-shim.py --host 127.0.0.1 --port 8765 [--s3-port 8766]
"""

import argparse
import asyncio
import base64
import datetime
import gzip
import json
import os
import re
import time
from string import Template

import pyarrow as pa

from fakesnow_strict import check as strict_check
from fakesnow_strict import parsed as strict_parsed

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

    def __init__(self, app, sessions=None, idle_seconds=60):
        self.app = app
        self.sessions = sessions
        self.idle_seconds = idle_seconds
        self.last_seen = {}
        self.in_flight = {}
        # Sessions inside an explicit transaction: fakesnow tracks that only for sessions without autocommit.
        self.open_transaction = {}
        self.reaper = None

    async def __call__(self, scope, receive, send):
        token = session_token(scope)
        if token is None or self.sessions is None:
            await self.serve(scope, receive, send)
            return
        if self.reaper is None:
            self.reaper = asyncio.ensure_future(self.expire_idle_transactions())
        self.in_flight[token] = self.in_flight.get(token, 0) + 1
        try:
            await self.serve(scope, receive, send, token)
        finally:
            self.in_flight[token] -= 1
            self.last_seen[token] = time.monotonic()

    async def expire_idle_transactions(self):
        """Every few seconds, expires the sessions idle inside a transaction for longer than idle_seconds."""
        while True:
            await asyncio.sleep(min(5, self.idle_seconds))
            now = time.monotonic()
            for token, seen in list(self.last_seen.items()):
                conn = self.sessions.get(token)
                if conn is None:
                    for state in (self.last_seen, self.in_flight, self.open_transaction):
                        state.pop(token, None)
                elif (
                    self.in_flight.get(token) == 0
                    and now - seen > self.idle_seconds
                    and (self.open_transaction.get(token) or conn._in_transaction)
                ):
                    # Removed first: a statement arriving meanwhile is refused (must log in again), never run
                    # on the transaction being rolled back.
                    del self.sessions[token]
                    print(f"fakesnow shim: session idle {now - seen:.0f} s inside a transaction expired, its transaction rolled back", flush=True)
                    try:
                        await asyncio.get_running_loop().run_in_executor(None, conn._duck_conn.rollback)
                    except Exception as e:  # the session is gone either way
                        print(f"fakesnow shim: rollback of an expired session failed: {e}", flush=True)

    async def serve(self, scope, receive, send, token=None):
        if scope["type"] == "http" and scope["path"] == "/session/v1/login-request":
            await login(self.app, scope, receive, send)
            return
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
        # The whole request body first: some statements are answered here (see stage_command).
        body = await read_body(receive)
        headers = dict(scope["headers"])
        doc = request_doc(body, headers)
        answer = None
        if doc is not None:
            log_query_tag(doc)
            sql = doc.get("sqlText", "")
            if token is not None and TRANSACTION_START.match(sql):
                self.open_transaction[token] = True
            elif token is not None and TRANSACTION_END.match(sql):
                self.open_transaction[token] = False
            answer = strict_refusal(sql) or user_command(sql) or stage_command(sql, headers) or grant_command(sql)
        if answer is not None:
            await answer_json(send, answer)
            return

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
                    if start.get("status") == 500:
                        # fakesnow answers an exception it does not map (DuckDB's write conflict: a row another
                        # open transaction changed) with a bare 500, which the driver retries for minutes.
                        # Snowflake would make the statement wait for the lock; answer as a lock abort instead.
                        start["status"] = 200
                        body = json.dumps({
                            "data": {"errorCode": "000625", "sqlState": "57014"},
                            "code": "000625",
                            "message": "fakesnow shim: the statement failed on the server (e.g. a write conflict with another open transaction)",
                            "success": False,
                        }).encode()
                    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(body)).encode()))
                    await send({**start, "headers": headers})
                    await send({"type": "http.response.body", "body": body})

        await self.app(scope, replay(body, receive), capture)


TRANSACTION_START = re.compile(r"\s*(BEGIN|START\s+TRANSACTION)\b", re.IGNORECASE)
TRANSACTION_END = re.compile(r"\s*(COMMIT|ROLLBACK)\b", re.IGNORECASE)


def session_token(scope):
    """The session token an HTTP request carries (`Authorization: Snowflake Token="…"`), or None."""
    if scope["type"] != "http":
        return None
    auth = dict(scope["headers"]).get(b"authorization", b"").decode()
    prefix = 'Snowflake Token="'
    return auth[len(prefix) : -1] if auth.startswith(prefix) and auth.endswith('"') else None


def request_doc(body, headers):
    """A request's JSON document (gunzipped when it says so), or None when it is not JSON."""
    try:
        if headers.get(b"content-encoding") == b"gzip":
            body = gzip.decompress(body)
        return json.loads(body)
    except (ValueError, OSError):
        return None


async def read_body(receive):
    """The whole body of an HTTP request."""
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            return b"".join(chunks)


def replay(body, receive):
    """An ASGI receive that hands over an already read request body first."""
    replayed = False

    async def receive_again():
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again


async def answer_json(send, doc):
    payload = json.dumps(doc).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def strict_refusal(sql):
    """Snowflake's error for a statement real Snowflake rejects (see fakesnow_strict.py), else None."""
    refusal = strict_check(sql)
    if refusal is None:
        return None
    print(f"STRICT refused: {refusal.message.splitlines()[-1]}", flush=True)  # the reason only: SQL may hold data
    return refusal.response()


# Public keys set with ALTER USER … SET RSA_PUBLIC_KEY[_2], by upper-case user name and slot.
RSA_KEYS = {}
RSA_KEY = re.compile(
    r"^\s*ALTER\s+USER\s+(?:IF\s+EXISTS\s+)?(?P<user>\"[^\"]+\"|[A-Za-z_][\w$]*)\s+SET\s+"
    r"RSA_PUBLIC_KEY(?P<slot>_2)?\s*=\s*'(?P<key>[^']*)'\s*;?\s*$",
    re.IGNORECASE,
)


def user_command(sql):
    """Answers ALTER USER … SET RSA_PUBLIC_KEY (fakesnow has no users): the key is kept for key-pair logins."""
    match = RSA_KEY.match(sql)
    if not match:
        return None
    from cryptography.hazmat.primitives import serialization

    user = match["user"][1:-1] if match["user"].startswith('"') else match["user"]
    try:
        key = serialization.load_der_public_key(base64.b64decode(re.sub(r"-----[A-Z ]+-----|\s", "", match["key"])))
    except ValueError as e:
        return {"data": None, "code": "000001", "message": f"fakesnow shim: not an RSA public key: {e}", "success": False}
    RSA_KEYS.setdefault(user.upper(), {})[match["slot"] or "_1"] = key
    return json_result(["status"], [["Statement executed successfully."]])


# Grants made with GRANT … ON <object> TO <grantee type> <grantee> (fakesnow parses no GRANT): kept per
# object, upper-case name without quotes, as a set of (privilege, grantee type, grantee).
GRANTS = {}
GRANT = re.compile(
    r"^\s*(?P<verb>GRANT|REVOKE)\s+(?P<privilege>[\w ]+?)\s+ON\s+(?:(?:TABLE|VIEW)\s+)?(?P<object>[\w$.\"]+)\s+"
    r"(?:TO|FROM)\s+(?P<type>DATABASE\s+ROLE|ROLE|SHARE|USER)\s+(?P<grantee>\"[^\"]+\"|[\w$]+)\s*;?\s*$",
    re.IGNORECASE,
)
SHOW_GRANTS = re.compile(r"^\s*SHOW\s+GRANTS\s+ON\s+(?:(?:TABLE|VIEW)\s+)?(?P<object>[\w$.\"]+)\s*;?\s*$", re.IGNORECASE)


def object_key(name):
    return ".".join(part.strip('"').upper() for part in re.findall(r'"[^"]*"|[^.]+', name))


def grant_command(sql):
    """Answers GRANT / REVOKE on a table or view (kept here, not enforced: fakesnow has no roles) and
    SHOW GRANTS ON it, in Snowflake's columns, so grants can be applied and read back."""
    match = GRANT.match(sql)
    if match:
        grant = (match["privilege"].upper(), re.sub(r"\s+", "_", match["type"].upper()), match["grantee"].strip('"').upper())
        held = GRANTS.setdefault(object_key(match["object"]), set())
        if match["verb"].upper() == "GRANT":
            held.add(grant)
        else:
            held.discard(grant)
        return json_result(["status"], [["Statement executed successfully."]])
    match = SHOW_GRANTS.match(sql)
    if match:
        key = object_key(match["object"])
        rows = [["", p, "TABLE", key, t, g, "false", "SYSADMIN"] for p, t, g in sorted(GRANTS.get(key, ()))]
        names = ["created_on", "privilege", "granted_on", "name", "granted_to", "grantee_name", "grant_option", "granted_by"]
        return json_result(names, rows)
    return None


def jwt_error(doc):
    """Why a SNOWFLAKE_JWT login is refused, as Snowflake checks it: the token's issuer names the
    user and the SHA-256 fingerprint of one of the user's public keys, and is signed (RS256) by its
    private key. None for a good token, or for another authenticator (fakesnow accepts any password)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    data = doc.get("data") or {}
    if str(data.get("AUTHENTICATOR", "")).upper() != "SNOWFLAKE_JWT":
        return None
    user = str(data.get("LOGIN_NAME", "")).upper()

    def b64url(part):
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    try:
        header, payload, signature = str(data.get("TOKEN", "")).split(".")
        claims = json.loads(b64url(payload))
        issuer, _, fingerprint = claims["iss"].partition(".SHA256:")
    except (ValueError, KeyError) as e:
        return f"not a JWT ({e})"
    if not issuer.upper().endswith("." + user) or not str(claims.get("sub", "")).upper().endswith("." + user):
        return f"the token names {claims.get('sub')}, not user {user}"
    expires = float(claims.get("exp", 0))
    if (expires / 1000 if expires > 1e11 else expires) < time.time():  # the Node driver writes milliseconds
        return "the token has expired"
    for key in RSA_KEYS.get(user, {}).values():
        der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        digest = hashes.Hash(hashes.SHA256())
        digest.update(der)
        if base64.b64encode(digest.finalize()).decode() == fingerprint:
            try:
                key.verify(b64url(signature), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
                return None
            except Exception:
                return "the signature does not match the public key"
    return f"no public key of user {user} has fingerprint SHA256:{fingerprint}"


async def login(app, scope, receive, send):
    """A login: a key-pair one is checked against the user's public keys (Snowflake's 390144 when it
    fails), then fakesnow logs the session in."""
    body = await read_body(receive)
    doc = request_doc(body, dict(scope["headers"]))
    reason = "unreadable login request" if doc is None else jwt_error(doc)
    if reason is not None:
        print(f"LOGIN refused: {reason}", flush=True)
        await answer_json(
            send, {"data": {"authnMethod": "KEYPAIR"}, "code": "390144", "message": "JWT token is invalid.", "success": False}
        )
        return
    await app(scope, replay(body, receive), send)


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


UNLOAD = re.compile(
    r"^\s*COPY\s+INTO\s+@(?P<stage>[^\s/]+)(?P<path>/\S*)?\s+FROM\s+\((?P<select>.*)\)\s+"
    r"FILE_FORMAT\s*=\s*\(\s*TYPE\s*=\s*PARQUET[^)]*\)(?P<options>.*)$",
    re.IGNORECASE | re.DOTALL,
)
GET = re.compile(r"^\s*GET\s+@(?P<stage>[^\s/]+)(?P<path>/\S*)?\s+'?file://(?P<local>[^'\s]+)'?", re.IGNORECASE)
REMOVE = re.compile(r"^\s*(?:REMOVE|RM)\s+@(?P<stage>[^\s/]+)(?P<path>/\S*)?\s*$", re.IGNORECASE)


def stage_command(sql, headers):
    """Answers what fakesnow lacks on internal stages: unloading a query to Parquet (COPY INTO @stage),
    GET (a download the Node driver copies from the stage folder, as for a LOCAL_FS stage) and REMOVE.
    Returns the response document, or None for fakesnow to answer."""
    match = UNLOAD.match(sql) or GET.match(sql) or REMOVE.match(sql)
    if not match:
        return None
    try:
        from fakesnow.server import to_conn
        from fakesnow.transforms import stage

        auth = headers.get(b"authorization", b"").decode()
        conn = to_conn(auth[17:-1])
        database, schema, name = stage.parts_from_var(match["stage"], conn.database, conn.schema)
        root = stage.internal_dir(f"{database}.{schema}.{name}")
        path = (match["path"] or "/").lstrip("/")
        target = os.path.normpath(os.path.join(root, path))
        if not (target + os.sep).startswith(os.path.normpath(root) + os.sep):
            raise ValueError(f"{path} is outside the stage")
        if match.re is UNLOAD:
            return unload(conn, match, target, path)
        files = stage_files(target, path)
        if match.re is GET:
            local = match["local"]
            base = target if os.path.isdir(target) else os.path.dirname(target)
            return {
                "data": {
                    "command": "DOWNLOAD",
                    "src_locations": [os.path.relpath(f, base) for f in files],
                    "localLocation": local,
                    "stageInfo": {"locationType": "LOCAL_FS", "location": base, "path": "", "region": "local"},
                    "encryptionMaterial": None,
                    "parallel": 1,
                    "overwrite": True,
                    "presignedUrls": [],
                    "autoCompress": False,
                    "sourceCompression": "none",
                },
                "success": True,
            }
        for f in files:
            os.remove(f)
        return json_result(["name", "result"], [[stage.internal_file_name(f), "removed"] for f in files])
    except Exception as e:  # answer, never leave the client waiting
        return {"data": {"errorCode": "002003", "sqlState": "02000"}, "code": "002003", "message": f"fakesnow shim: {e}", "success": False}


def stage_files(target, path):
    """Files of a stage under a path: the file itself, a folder's files, or those starting with a prefix."""
    if os.path.isfile(target):
        return [target]
    if os.path.isdir(target):
        return sorted(os.path.join(d, f) for d, _, fs in os.walk(target) for f in fs)
    folder, prefix = os.path.split(target)
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.startswith(prefix) and os.path.isfile(os.path.join(folder, f)))


def unload(conn, match, target, path):
    """COPY INTO @stage/path FROM (query) FILE_FORMAT = (TYPE = PARQUET): the query through fakesnow,
    written with pyarrow (one file: the path itself with SINGLE = TRUE, else data_0_0_0.snappy.parquet
    under the path as a prefix)."""
    import pyarrow.parquet as pq

    cur = conn.cursor()
    cur.execute(match["select"], server=True)
    table = cur._arrow_table  # noqa: SLF001 (fakesnow keeps DuckDB's Arrow result here)
    single = re.search(r"\bSINGLE\s*=\s*TRUE\b", match["options"], re.IGNORECASE)
    if single:
        out = target
    elif not path or path.endswith("/"):
        out = os.path.join(target, "data_0_0_0.snappy.parquet")
    else:
        out = target + "_0_0_0.snappy.parquet"
    size = 0
    if table.num_rows > 0:  # as Snowflake: an empty result unloads no file
        os.makedirs(os.path.dirname(out), exist_ok=True)
        pq.write_table(table, out, compression="snappy")
        size = os.path.getsize(out)
    return json_result(["rows_unloaded", "input_bytes", "output_bytes"], [[str(table.num_rows), str(size), str(size)]], fixed=True)


def json_result(names, rows, fixed=False):
    """A query result in Snowflake's JSON format."""
    kind = "fixed" if fixed else "text"
    rowtype = [
        {"name": n, "type": kind, "nullable": False, "length": None if fixed else 16777216, "precision": 18 if fixed else None, "scale": 0 if fixed else None, "byteLength": None}
        for n in names
    ]
    return {
        "data": {"rowtype": rowtype, "rowset": rows, "total": len(rows), "returned": len(rows), "queryResultFormat": "json", "queryId": "shim", "parameters": []},
        "success": True,
    }


def log_query_tag(doc):
    """Logs each statement's QUERY_TAG (Snowflake would keep it in QUERY_HISTORY; fakesnow ignores it)."""
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

    extract_comment_on_table = transforms.extract_comment_on_table

    def without_empty_comment(expression):
        # fakesnow records a comment for every CREATE TABLE with properties (TEMPORARY, TRANSIENT), even
        # none, in its own catalog: inside a transaction that already wrote the database, DuckDB refuses
        # the second catalog, so MERGE (which creates a temp table) failed inside transactions.
        new = extract_comment_on_table(expression)
        comment = new.args.get("table_comment")
        if comment is not None and comment[1] is None:
            new.args.pop("table_comment")
        return new

    transforms.extract_comment_on_table = without_empty_comment

    def column_comment(expression):
        # fakesnow drops `ALTER TABLE|VIEW t MODIFY COLUMN c COMMENT '…'` (dbt-snowflake's persist_docs);
        # DuckDB's own column comment is what its information_schema.columns.COMMENT reads.
        if (
            isinstance(expression, exp.Alter)
            and len(actions := expression.args.get("actions") or []) == 1
            and isinstance(actions[0], exp.AlterColumn)
            and isinstance(comment := actions[0].args.get("comment"), exp.Literal)
            and not any(k for k, v in actions[0].args.items() if v is not None and k not in ("this", "comment"))
        ):
            part = lambda name: expression.this.args[name].copy() if expression.this.args.get(name) else None
            column = exp.Column(this=actions[0].this.copy(), table=part("this"), db=part("db"), catalog=part("catalog"))
            return exp.Comment(this=column, kind="COLUMN", expression=comment.copy())
        return expression

    extract_comment_on_columns = transforms.extract_comment_on_columns
    transforms.extract_comment_on_columns = lambda expression: extract_comment_on_columns(column_comment(expression))

    import fakesnow.cursor

    describe_last_sql = fakesnow.cursor.FakeSnowflakeCursor._describe_last_sql

    def describe_comment(self):
        # The server describes each statement's result by DESCRIBE-ing it: DuckDB cannot describe a COMMENT
        # ON COLUMN, whose result is Snowflake's DDL status.
        if not isinstance(self._last_transformed, exp.Comment):
            return describe_last_sql(self)
        ran, self._last_sql = self._last_sql, fakesnow.cursor.SQL_SUCCESS
        try:
            return describe_last_sql(self)
        finally:
            self._last_sql = ran

    fakesnow.cursor.FakeSnowflakeCursor._describe_last_sql = describe_comment

    import fakesnow.info_schema as info_schema

    insert_table_comment_sql = info_schema.insert_table_comment_sql
    # fakesnow writes a table comment into its catalog unescaped: a comment with a quote broke the statement.
    info_schema.insert_table_comment_sql = lambda catalog, schema, table, comment: insert_table_comment_sql(
        catalog, schema, table, comment.replace("'", "''")
    )
    # Snowflake's information_schema.tables lists views too (TABLE_TYPE 'VIEW'); fakesnow's lists tables only.
    tables_view = info_schema.SQL_CREATE_INFORMATION_SCHEMA_TABLES_VIEW.template
    views = '''
union all
select views.database_name, views.schema_name, views.view_name, 'SYSADMIN', 'VIEW', 'NO', NULL::VARCHAR, NULL, 0, 1,
    NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, 'NO', 'YES', NULL::VARCHAR,
    to_timestamp(0)::timestamptz, to_timestamp(0)::timestamptz, to_timestamp(0)::timestamptz, 'SYSADMIN', 'NO',
    _fs_tables_ext.comment, 'NO', 'NO', 'NO', 'NO', 'NO'
from duckdb_views views
left join _fs_global._fs_information_schema._fs_tables_ext on
    views.database_name = _fs_tables_ext.ext_table_catalog AND
    views.schema_name = _fs_tables_ext.ext_table_schema AND
    views.view_name = _fs_tables_ext.ext_table_name
where views.database_name = '${catalog}'
  and views.schema_name != '_fs_information_schema'
  and not views.internal
'''
    info_schema.SQL_CREATE_INFORMATION_SCHEMA_TABLES_VIEW = Template(tables_view.rstrip() + views)

    import fakesnow.cursor
    import fakesnow.server

    def parse_once(parse_one):
        # The strict check has parsed the statement already (with the same dialect); fakesnow parses it
        # twice more (server, cursor): a copy of that tree instead.
        def parse_one_checked(command):
            tree = strict_parsed(command)
            return tree if tree is not None else parse_one(command)

        return parse_one_checked

    fakesnow.server.parse_one = parse_once(fakesnow.server.parse_one)
    fakesnow.cursor.parse_one = parse_once(fakesnow.cursor.parse_one)


def serve_s3(host, port):
    """A local S3 on host:port, and COPY from an external stage on s3:// reading it.

    fakesnow hands an s3:// location to DuckDB, which needs the httpfs extension (a download); here the
    objects under the stage path are copied to a scratch folder for the COPY instead, and the folder is
    deleted when the COPY ends.
    """
    import logging
    import shutil
    import tempfile
    import threading
    from urllib.parse import quote

    import boto3
    import fakesnow.copy_into
    import fakesnow.cursor
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per S3 request
    ThreadedMotoServer(ip_address=host, port=port, verbose=False).start()
    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://{host}:{port}",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        region_name="us-east-1",
    )
    resolve = fakesnow.copy_into.stage_url_from_var
    # Per thread: fakesnow runs statements on a thread pool, and one COPY must not delete another's folder.
    local = threading.local()

    def stage_url(*args, **kwargs):
        url = resolve(*args, **kwargs)
        if not url.startswith("s3://"):
            return url
        bucket, _, prefix = url[len("s3://") :].partition("/")
        folder = tempfile.mkdtemp(prefix="edp-s3-copy-")
        local.scratch = [*getattr(local, "scratch", []), folder]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                name = quote(item["Key"][len(prefix) :].strip("/"), safe="") or os.path.basename(item["Key"])
                s3.download_file(bucket, item["Key"], os.path.join(folder, name))
        return folder + "/"

    copy_into = fakesnow.cursor.copy_into

    def copy_then_clean(*args, **kwargs):
        try:
            return copy_into(*args, **kwargs)
        finally:
            for folder in getattr(local, "scratch", []):
                shutil.rmtree(folder, ignore_errors=True)
            local.scratch = []

    fakesnow.copy_into.stage_url_from_var = stage_url
    fakesnow.cursor.copy_into = copy_then_clean


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--s3-port", type=int, help="also serve a local S3 (moto) on this port")
    parser.add_argument("--idle-transaction-seconds", type=float, default=60, help="expire a session idle this long inside a transaction")
    args = parser.parse_args()

    import uvicorn

    import fakesnow.server

    patch_fakesnow()
    if args.s3_port:
        serve_s3(args.host, args.s3_port)
    shim = ArrowToJson(fakesnow.server.app, fakesnow.server.sessions, args.idle_transaction_seconds)
    uvicorn.run(shim, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
