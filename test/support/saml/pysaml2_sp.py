"""A minimal pysaml2 service provider for Latch's interoperability tests.

Usage: python3 pysaml2_sp.py CONFIG.json  (base, port, idp_metadata, key_file, cert_file, sign_logout)
  /login          SP-initiated sign-in (HTTP-Redirect AuthnRequest)
  /acs            receives the Response; shows the NameID and attributes as JSON in <pre id="result">
  /logout         SP-initiated single logout
  /slo            receives LogoutResponse / LogoutRequest
  /status         whether the SP holds a sign-in: <p id="status">signed in|signed out</p>
"""
import html
import json
import sys
import traceback
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig

settings = json.load(open(sys.argv[1]))
base = settings["base"]
config = SPConfig()
config.load({
    "entityid": base + "/metadata",
    "service": {"sp": {
        "endpoints": {
            "assertion_consumer_service": [(base + "/acs", BINDING_HTTP_POST)],
            "single_logout_service": [(base + "/slo", BINDING_HTTP_REDIRECT)],
        },
        "allow_unsolicited": True,
        "authn_requests_signed": settings.get("sign_requests", False),
        "logout_requests_signed": settings.get("sign_logout", True),
        "want_response_signed": False,
        "want_assertions_signed": False,
        "want_assertions_or_response_signed": True,
        # pysaml2 signs with RSA-SHA1 unless told otherwise, and Latch refuses SHA-1.
        "signing_algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "digest_algorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
    }},
    "metadata": {"local": [settings["idp_metadata"]]},
    "key_file": settings["key_file"],
    "cert_file": settings["cert_file"],
    "encryption_keypairs": [{"key_file": settings["key_file"], "cert_file": settings["cert_file"]}],
    "xmlsec_binary": "/usr/bin/xmlsec1",
    "accepted_time_diff": 0,
    "allow_unknown_attributes": True,
})
client = Saml2Client(config)
outstanding = {}
state = {"name_id": None}


def page(start_response, body, status="200 OK", headers=()):
    start_response(status, [("Content-Type", "text/html; charset=utf-8"), *headers])
    return [("<!doctype html><title>pysaml2 SP</title>" + body).encode()]


def redirect(start_response, http_args):
    headers = [(k, v) for k, v in http_args["headers"] if k.lower() == "location"]
    if headers:
        start_response("303 See Other", headers)
        return [b""]
    return page(start_response, http_args["data"])


def app(environ, start_response):
    path = environ["PATH_INFO"]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    form = {}
    if environ["REQUEST_METHOD"] == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = parse_qs(environ["wsgi.input"].read(length).decode())
    param = lambda name: (form.get(name) or query.get(name) or [None])[0]
    try:
        if path == "/login":
            kwargs = {}
            if param("force"):
                kwargs["force_authn"] = "true"
            if param("passive"):
                kwargs["is_passive"] = "true"
            req_id, info = client.prepare_for_authenticate(relay_state=param("relay") or "/after-login", binding=BINDING_HTTP_REDIRECT, **kwargs)
            outstanding[req_id] = "/"
            return redirect(start_response, info)
        if path == "/acs":
            response = client.parse_authn_request_response(param("SAMLResponse"), BINDING_HTTP_POST, outstanding=outstanding)
            state["name_id"] = response.name_id
            result = {
                "name_id": response.name_id.text,
                "name_id_format": response.name_id.format,
                "attributes": response.ava,
                "authn_context": [a[0] for a in response.authn_info()],
                "relay_state": param("RelayState"),
                "in_response_to": response.in_response_to,
                "session_index": response.session_info()["session_index"],
                "authn_instant": [a[2] for a in response.authn_info()],
            }
            return page(start_response, '<pre id="result">' + html.escape(json.dumps(result)) + "</pre>")
        if path == "/logout":
            responses = client.global_logout(state["name_id"])
            for _entity, (binding, http_args) in responses.items():
                return redirect(start_response, http_args)
            return page(start_response, '<p id="logout">nothing to log out</p>')
        if path == "/slo":
            if param("SAMLResponse"):
                response = client.parse_logout_request_response(param("SAMLResponse"), BINDING_HTTP_REDIRECT)
                ok = response is not None and response.status_ok()
                return page(start_response, '<p id="logout">' + ("logged out" if ok else "logout failed") + "</p>")
            http_args = client.handle_logout_request(param("SAMLRequest"), state["name_id"], BINDING_HTTP_REDIRECT, relay_state=param("RelayState"))
            state["name_id"] = None
            return redirect(start_response, http_args)
        if path == "/status":
            return page(start_response, '<p id="status">' + ("signed in" if state["name_id"] else "signed out") + "</p>")
        return page(start_response, "not found", "404 Not Found")
    except Exception as err:  # shown to the test, which asserts on it
        traceback.print_exc()
        return page(start_response, '<pre id="error">' + html.escape(f"{type(err).__name__}: {err}") + "</pre>", "500 Internal Server Error")


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


make_server("127.0.0.1", settings["port"], app, handler_class=Quiet).serve_forever()
