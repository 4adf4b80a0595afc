"""Drives Debian's unmodified duo_client (python3-duo-client) against Latch for one test case.

Usage: python3 duo_call.py '<case as JSON>'; prints one JSON line: {"ok": response} or
{"error": {"status": ..., "message": ..., "body": ...}}. The case names the client's settings
(ikey, skey, host, port, ca, sig_version, digest) and what to do:
  {"call": "preauth", "args": {...}}                 a method of duo_client.Auth
  {"api": ["POST", "/auth/v2/preauth", {...}]}       Client.json_api_call, for parameters the
                                                     methods do not take (text_prompt)
  {"raw": {...}}                                     a request signed with duo_client.client.sign
                                                     and sent as given (body, content type,
                                                     times), for replayed and malformed requests
  "date_offset": seconds added to the Date the client signs (a client with a wrong clock)
"""
import email.utils
import hashlib
import http.client
import json
import ssl
import sys
import time
import urllib.parse

import duo_client
import duo_client.client

case = json.loads(sys.argv[1])

if case.get("date_offset"):
    real_formatdate = email.utils.formatdate
    offset = case["date_offset"]
    email.utils.formatdate = lambda *a, **k: real_formatdate(time.time() + offset)

client = duo_client.Auth(
    ikey=case["ikey"], skey=case["skey"], host=case["host"], port=case["port"], ca_certs=case["ca"],
    sig_version=case.get("sig_version", 2), digestmod=getattr(hashlib, case.get("digest", "sha1")),
)


def raw(spec):
    """Signs once, sends `times` times; the answers as (status, body)."""
    method, path, params = spec["method"], spec["path"], spec["params"]
    date = email.utils.formatdate()
    auth = duo_client.client.sign(case["ikey"], case["skey"], method, case["host"], path, date, 2,
                                  duo_client.client.normalize_params(params), digestmod=hashlib.sha512)
    body = spec.get("body", urllib.parse.urlencode(params))
    headers = {"Authorization": auth, "Date": date, "Content-Type": spec.get("content_type", "application/x-www-form-urlencoded")}
    answers = []
    for _ in range(spec.get("times", 1)):
        conn = http.client.HTTPSConnection(case["host"], case["port"], context=ssl.create_default_context(cafile=case["ca"]))
        conn.request(method, spec.get("url", path), body=body.encode("utf-8") if isinstance(body, str) else body, headers=headers)
        response = conn.getresponse()
        answers.append({"status": response.status, "body": json.loads(response.read() or b"null"),
                        "retry_after": response.getheader("Retry-After")})
        conn.close()
    return answers


try:
    if "raw" in case:
        result = raw(case["raw"])
    elif "api" in case:
        result = client.json_api_call(*case["api"])
    else:
        result = getattr(client, case["call"])(**case.get("args", {}))
    print(json.dumps({"ok": result}))
except RuntimeError as e:
    data = getattr(e, "data", None)
    try:
        body = data if isinstance(data, dict) else json.loads(data)
    except (ValueError, TypeError):
        body = None
    print(json.dumps({"error": {"status": getattr(e, "status", None), "message": str(e), "body": body}}))
