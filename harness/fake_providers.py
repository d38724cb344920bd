"""One threaded loopback fake for every provider API the runner talks to.

It records every request (method, path, query, headers, body) and answers like the real API
would for the calls the runner makes:

    POST /slack/api/chat.postMessage            Slack Web API
    POST /telegram/bot<token>/<method>          Telegram Bot API
    GET  /bf/openid, GET /bf/keys               Bot Framework OpenID metadata and JWKS
    POST /bf/token                              Microsoft identity platform token endpoint
    POST /bf/v3/conversations/...               Bot Framework connector (serviceUrl = <base>/bf/)
    GET  /webex/people/me, GET /webex/messages/<id>, POST /webex/messages
    POST /wa/<phone-number-id>/messages         WhatsApp Cloud API
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional


@dataclass
class Recorded:
    method: str
    path: str  # raw request path, without the query
    query: dict
    headers: dict  # lower-cased names
    body: bytes
    at: float = field(default_factory=time.monotonic)

    @property
    def norm_path(self) -> str:
        """The path with repeated slashes collapsed and percent-escapes decoded."""
        return urllib.parse.unquote(re.sub(r"/{2,}", "/", self.path))

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict:
        return dict(urllib.parse.parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))

    def payload(self) -> dict:
        """The body as a dict, whether it was sent as JSON or as a form."""
        ctype = self.headers.get("content-type", "")
        if "application/x-www-form-urlencoded" in ctype:
            return self.form()
        return self.json()


class FakeProviders:
    def __init__(self, *, jwks: dict, telegram_token: str, webex_bot_id: str = "bot"):
        self.jwks = jwks
        self.telegram_token = telegram_token
        self.webex_bot_id = webex_bot_id
        self.webex_messages: dict[str, dict] = {}
        self._records: list[Recorded] = []
        self._cond = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _read_body(self) -> bytes:
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            break
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    return b"".join(chunks)
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _handle(self):
                body = self._read_body()
                parts = urllib.parse.urlsplit(self.path)
                rec = Recorded(
                    method=self.command,
                    path=parts.path,
                    query=dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                fake._record(rec)
                status, obj = fake.answer(rec)
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-providers", daemon=True)

    def __repr__(self):
        return f"FakeProviders(base={self.base!r}, recorded={len(self._records)})"

    # -- lifecycle -------------------------------------------------------------------------
    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # -- recording -------------------------------------------------------------------------
    def _record(self, rec: Recorded):
        with self._cond:
            self._records.append(rec)
            self._cond.notify_all()

    def requests(self, pred: Callable[[Recorded], bool] = lambda r: True) -> list[Recorded]:
        with self._cond:
            return [r for r in self._records if pred(r)]

    def wait_for(self, pred: Callable[[Recorded], bool], timeout: float) -> Optional[Recorded]:
        """The first recorded request matching pred, waiting up to timeout seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for r in self._records:
                    if pred(r):
                        return r
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    # -- answers ---------------------------------------------------------------------------
    def answer(self, r: Recorded):
        p = re.sub(r"/{2,}", "/", r.path)
        m, base = r.method, self.base
        # Slack Web API
        if m == "POST" and p == "/slack/api/chat.postMessage":
            try:
                ch = r.payload().get("channel")
            except Exception:
                ch = None
            return 200, {"ok": True, "channel": ch, "ts": f"{time.time():.6f}"}
        # Telegram Bot API
        tg = re.fullmatch(r"/telegram/bot([^/]+)/(\w+)", p)
        if m == "POST" and tg:
            if tg.group(1) != self.telegram_token:
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            method = tg.group(2)
            if method in ("sendMessage", "sendPhoto", "sendDocument"):
                try:
                    chat_id = r.payload().get("chat_id")
                except Exception:
                    chat_id = 0
                return 200, {
                    "ok": True,
                    "result": {
                        "message_id": 9000 + len(self._records),
                        "date": int(time.time()),
                        "chat": {"id": int(chat_id) if str(chat_id).lstrip("-").isdigit() else 0, "type": "private"},
                        "from": {"id": 1, "is_bot": True, "first_name": "bot"},
                        "text": "ok",
                    },
                }
            return 200, {"ok": True, "result": True}
        # Bot Framework
        if m == "GET" and p == "/bf/openid":
            return 200, {
                "issuer": "https://api.botframework.com",
                "authorization_endpoint": "https://invalid.botframework.com",
                "jwks_uri": f"{base}/bf/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        if m == "GET" and p == "/bf/keys":
            return 200, self.jwks
        if m == "POST" and p == "/bf/token":
            return 200, {"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": "bf-access"}
        if m == "POST" and p.startswith("/bf/v3/conversations/"):
            return 200, {"id": "r1"}
        # Webex
        if m == "GET" and p == "/webex/people/me":
            return 200, {"id": self.webex_bot_id, "emails": ["bot@webex.bot"], "displayName": "bot", "type": "bot"}
        wm = re.fullmatch(r"/webex/messages/([^/]+)", p)
        if m == "GET" and wm:
            msg = self.webex_messages.get(urllib.parse.unquote(wm.group(1)))
            if msg is None:
                return 404, {"message": "The requested resource could not be found.", "trackingId": "fake"}
            return 200, msg
        if m == "POST" and p == "/webex/messages":
            return 200, {"id": "m", "roomId": (r.json() if r.body else {}).get("roomId"), "created": "2026-12-04T00:00:00.000Z"}
        # WhatsApp Cloud API
        wa = re.fullmatch(r"/wa/([^/]+)/messages", p)
        if m == "POST" and wa:
            try:
                to = r.json().get("to")
            except Exception:
                to = None
            return 200, {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": "wamid.x"}],
            }
        return 404, {"error": f"fake has no route {m} {p}"}
