"""SECRETS_BACKEND=aws against moto's Secrets Manager, with moto verifying every SigV4 signature.

A second runner serves the session's deployment with no Slack credentials in its environment:
the tenant's `SLACK_SIGNING_SECRET` lives only in Secrets Manager (`greentic/demo/...`), so a
Slack request signed with it (slack_sdk's signer) passes only if the runner fetched it, which
moto allows only when the runner's request signature is right. A runner with a wrong AWS
secret key is refused by moto, and answers 503 instead of taking the secret for missing.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from slack_sdk.signature import SignatureVerifier

from conftest import _SCRUB, _runner_bin, launched_runner

SIGNING_SECRET = "held-in-aws-secrets-manager-only"


@pytest.fixture(scope="module")
def moto():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = Path(sys.executable).parent / "moto_server"
    # The first three calls (creating the runner's IAM user, its policy and its key) are let
    # through unauthenticated; every later call must be signed with a known key.
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3")
    proc = subprocess.Popen([str(server), "-H", "127.0.0.1", "-p", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("moto_server did not start")
            time.sleep(0.1)
    anonymous = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    iam = boto3.client("iam", **anonymous)
    iam.create_user(UserName="runner")
    iam.put_user_policy(UserName="runner", PolicyName="read-secrets", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}],
    }))
    key = iam.create_access_key(UserName="runner")["AccessKey"]
    credentials = {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
    manager = boto3.client("secretsmanager", endpoint_url=url, region_name="us-east-1",
                           aws_access_key_id=credentials["id"], aws_secret_access_key=credentials["secret"])
    manager.create_secret(Name="greentic/demo/SLACK_SIGNING_SECRET", SecretString=SIGNING_SECRET)
    yield {"url": url, **credentials}
    proc.terminate()
    proc.wait(10)


def aws_runner(runner, moto, tmp: Path, secret_key: str):
    deployment = runner.log_path.parent
    env = {k: v for k, v in os.environ.items() if not _SCRUB.match(k)}
    env.update({
        "PACK_INDEX_URL": str(deployment / "index.json"),
        "PACK_CACHE_DIR": str(tmp / "cache"),
        "STORE_URL": f"sqlite://{tmp / 'store.sqlite'}",
        "LOG_LEVEL": "info",
        "SECRETS_BACKEND": "aws",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": moto["id"],
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "AWS_ENDPOINT_URL": moto["url"],
        "SLACK_API_BASE_URL": f"{runner.fake.base}/slack/api",
    })
    return launched_runner(_runner_bin(), env, deployment / "demo.yaml", tmp)


def post_url_verification(r, secret: str):
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
    ts = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return r.post("/slack/events", body.encode(), {
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature,
    })


def test_a_tenant_credential_is_read_from_secrets_manager_with_a_valid_signature(runner, moto, tmp_path):
    with aws_runner(runner, moto, tmp_path, moto["secret"]) as r:
        answer = post_url_verification(r, SIGNING_SECRET)
        assert answer.status == 200, answer.body
        assert answer.json()["challenge"] == "c-123"
        forged = post_url_verification(r, "another-secret")
        assert forged.status == 401, forged.body
        health = r.request("GET", "/healthz")
        assert health.json()["secrets_ready"] is True
        assert not any(SIGNING_SECRET in line for line in r.log_lines), "the secret is never logged"


def test_a_wrongly_signed_call_is_refused_by_aws_and_never_read_as_missing(runner, moto, tmp_path):
    with aws_runner(runner, moto, tmp_path, moto["secret"][:-1] + ("A" if moto["secret"][-1] != "A" else "B")) as r:
        answer = post_url_verification(r, SIGNING_SECRET)
        assert answer.status == 503, answer.body
        assert answer.json() == {"error": "the tenant's credentials cannot be read right now"}
        health = r.request("GET", "/healthz")
        assert health.json()["secrets_ready"] is False
        assert health.json()["status"] == "degraded"
