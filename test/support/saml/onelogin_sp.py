"""A minimal python3-saml (OneLogin) service provider for Latch's interoperability tests.

Usage: python3 onelogin_sp.py CONFIG.json  (base, port, idp_metadata, key_file, cert_file)
  /login   SP-initiated sign-in (signed HTTP-Redirect AuthnRequest, persistent NameID)
  /acs     receives the Response; shows the NameID and attributes as JSON in <pre id="result">
  /logout  SP-initiated single logout;  /sls  receives the LogoutResponse
"""
import html
import json
import sys
import traceback
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

conf = json.load(open(sys.argv[1]))
base = conf["base"]
idp = OneLogin_Saml2_IdPMetadataParser.parse(open(conf["idp_metadata"]).read())
settings = OneLogin_Saml2_IdPMetadataParser.merge_settings({
    "strict": True,
    "debug": True,
    "sp": {
        "entityId": base + "/metadata",
        "assertionConsumerService": {"url": base + "/acs", "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"},
        "singleLogoutService": {"url": base + "/sls", "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"},
        "NameIDFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        "x509cert": open(conf["cert_file"]).read(),
        "privateKey": open(conf["key_file"]).read(),
    },
    "security": {
        "authnRequestsSigned": True,
        "logoutRequestSigned": True,
        "wantAssertionsSigned": True,
        "wantMessagesSigned": True,
        "signatureAlgorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "digestAlgorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
        "requestedAuthnContext": False,
    },
}, idp)
session = {}


def page(start_response, body, status="200 OK", headers=()):
    start_response(status, [("Content-Type", "text/html; charset=utf-8"), *headers])
    return [("<!doctype html><title>python3-saml SP</title>" + body).encode()]


def app(environ, start_response):
    path = environ["PATH_INFO"]
    get = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    post = {}
    if environ["REQUEST_METHOD"] == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        post = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
    request = {"https": "off", "http_host": environ["HTTP_HOST"], "script_name": path, "server_port": str(conf["port"]),
               "get_data": get, "post_data": post, "query_string": environ.get("QUERY_STRING", "")}
    auth = OneLogin_Saml2_Auth(request, settings)
    try:
        if path == "/login":
            url = auth.login(return_to=get.get("relay", "/after-login"))
            session["request_id"] = auth.get_last_request_id()
            start_response("303 See Other", [("Location", url)])
            return [b""]
        if path == "/acs":
            auth.process_response(request_id=session.get("request_id"))
            if auth.get_errors():
                raise RuntimeError(f"{auth.get_errors()}: {auth.get_last_error_reason()}")
            session.update(name_id=auth.get_nameid(), format=auth.get_nameid_format(), nq=auth.get_nameid_nq(),
                           spnq=auth.get_nameid_spnq(), session_index=auth.get_session_index())
            result = {"name_id": auth.get_nameid(), "name_id_format": auth.get_nameid_format(), "attributes": auth.get_attributes(),
                      "relay_state": post.get("RelayState"), "name_qualifier": auth.get_nameid_nq(), "sp_name_qualifier": auth.get_nameid_spnq()}
            return page(start_response, '<pre id="result">' + html.escape(json.dumps(result)) + "</pre>")
        if path == "/logout":
            url = auth.logout(name_id=session.get("name_id"), session_index=session.get("session_index"), name_id_format=session.get("format"),
                              nq=session.get("nq"), spnq=session.get("spnq"), return_to=base + "/done")
            session["logout_id"] = auth.get_last_request_id()
            start_response("303 See Other", [("Location", url)])
            return [b""]
        if path == "/sls":
            # A LogoutResponse to our own logout, or a LogoutRequest from the IdP (answered by redirect).
            url = auth.process_slo(request_id=session.get("logout_id") if "SAMLResponse" in get else None, delete_session_cb=session.clear)
            if auth.get_errors():
                raise RuntimeError(f"{auth.get_errors()}: {auth.get_last_error_reason()}")
            if url:
                start_response("303 See Other", [("Location", url)])
                return [b""]
            return page(start_response, '<p id="logout">logged out</p>')
        if path == "/whoami":
            return page(start_response, '<p id="whoami">' + html.escape(session.get("name_id") or "nobody") + "</p>")
        return page(start_response, "not found", "404 Not Found")
    except Exception as err:
        traceback.print_exc()
        return page(start_response, '<pre id="error">' + html.escape(f"{type(err).__name__}: {err}") + "</pre>", "500 Internal Server Error")


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


make_server("127.0.0.1", conf["port"], app, handler_class=Quiet).serve_forever()
