"""Helpers shared by the harness tests: secrets, the runner handle, HTTP, signing, JWTs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BF_ISSUER = "https://api.botframework.com"


@dataclass(frozen=True)
class Secrets:
    slack_signing_secret: str = "8f742231b10e8888abcd99yyyzzz85a5"
    slack_bot_token: str = "xoxb-harness-1-2-abc"
    telegram_webhook_secret: str = "tg-hook-secret_1"
    telegram_bot_token: str = "123456:ABC-harness"
    microsoft_app_id: str = "3b2c1a00-aaaa-bbbb-cccc-harness00001"
    microsoft_app_password: str = "bf-app-password"
    webchat_token: str = "webchat-harness-token"
    webex_webhook_secret: str = "webex-hook-secret"
    webex_bot_token: str = "webex-bot-token"
    whatsapp_app_secret: str = "wa-app-secret"
    whatsapp_access_token: str = "wa-access-token"
    whatsapp_verify_token: str = "wa-verify-token"


@dataclass(repr=False)
class RsaKey:
    private: rsa.RSAPrivateKey
    kid: str
    jwks: dict
    public_pem: bytes

    def __repr__(self):
        return f"RsaKey(kid={self.kid!r})"


def make_rsa_key(endorsements=("msteams", "webchat")) -> RsaKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = "harness-" + uuid.uuid4().hex[:12]
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"kid": kid, "use": "sig", "endorsements": list(endorsements)})
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return RsaKey(private=key, kid=kid, jwks={"keys": [jwk]}, public_pem=pem)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bf_claims(app_id: str, service_url: Optional[str], **over) -> dict:
    now = int(time.time())
    claims = {"iss": BF_ISSUER, "aud": app_id, "exp": now + 3600, "nbf": now - 60, "iat": now - 60}
    if service_url is not None:
        claims["serviceurl"] = service_url
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def mint_rs256(key, kid: Optional[str], claims: dict, alg: str = "RS256") -> str:
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims, key, algorithm=alg, headers=headers)


def mint_unsigned(kid: str, claims: dict) -> str:
    head = {"alg": "none", "typ": "JWT", "kid": kid}
    return f"{b64url(json.dumps(head).encode())}.{b64url(json.dumps(claims).encode())}."


def mint_hs256(secret: bytes, kid: str, claims: dict) -> str:
    """HS256 keyed with the RSA public key's PEM: the classic algorithm-confusion forgery.
    (PyJWT refuses to HMAC with a PEM, so it is assembled by hand.)"""
    head = {"alg": "HS256", "typ": "JWT", "kid": kid}
    signing_input = f"{b64url(json.dumps(head).encode())}.{b64url(json.dumps(claims).encode())}"
    sig = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(sig)}"


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass(repr=False)
class Runner:
    proc: subprocess.Popen
    log_lines: list
    log_path: Path
    fake: object
    secrets: Secrets
    port: int = 0

    def __repr__(self):
        return f"Runner(base={self.base!r}, log={str(self.log_path)!r})"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: bytes = b"", headers: Optional[dict] = None,
                timeout: float = 15) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            hdrs = dict(headers or {})
            if body or method in ("POST", "PUT"):
                hdrs.setdefault("Content-Length", str(len(body)))
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        finally:
            conn.close()

    def post(self, path: str, body: bytes, headers: Optional[dict] = None) -> Response:
        return self.request("POST", path, body, headers)


def slack_signature(secret: str, ts: str, body: bytes) -> str:
    base = b"v0:" + ts.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def webex_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def whatsapp_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"

