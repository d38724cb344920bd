"""Session fixtures: one fake provider API, one deployment and one runner process per session.

The runner binary is `GREENTIC_RUNNER_BIN` (default `.build/debug/greentic-runner`, relative to
the repository root). Its log is kept in the session's temp folder (`runner.log`, path printed
at the end of the run) and its tail is attached to failing tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

# Keep Hypothesis' files (unicode tables, no example database) out of the work tree.
from hypothesis import configuration as _hyp_config  # noqa: E402
from hypothesis import settings  # noqa: E402

_hyp_config.set_hypothesis_home_dir(tempfile.mkdtemp(prefix="harness-hypothesis-"))
settings.register_profile("harness", database=None)
settings.load_profile("harness")

from harness_lib import Runner, Secrets, make_rsa_key  # noqa: E402
from fake_providers import FakeProviders  # noqa: E402

PACK_YAML = """\
pack_id: harness.echo
name: Harness echo
version: 0.1.0
description: One messaging flow that echoes the text with two buttons (the SDK-oracle harness).
entry_flows: [chat]
"""

FLOW_YGTC = """\
id: chat
type: messaging
start: reply
nodes:
  reply:
    qa.process:
      text: "echo {{{input.text}}}"
      buttons: ["Yes", {title: "Docs", url: "https://example.com/docs"}]
    routing:
      - out: true
"""

BINDINGS_YAML = """\
tenant: demo
flow_type_bindings:
  messaging:
    adapter: slack
    channels: [teams, telegram, webchat, webex, whatsapp]
"""

# Everything the runner reads that a developer's shell might have set differently.
_SCRUB = re.compile(
    r"^(GREENTIC_|PACK_|STORE_URL$|TENANT_RESOLVER$|TENANT_JWT_|DEFAULT_TENANT$|ADMIN_TOKEN$|SECRETS_|AWS_|HOST$|PORT$"
    r"|TELEGRAM_|SLACK_|MICROSOFT_|BOTFRAMEWORK_|WEBCHAT_|WEBEX_|WHATSAPP_|OUTBOX_|INBOX_|WASM_|FLOW_|HTTP_|"
    r"LOG_LEVEL$|SESSION_TTL$|DEDUPE_TTL$|MAX_BODY_BYTES$|MAX_JSON_DEPTH$)"
)


def _runner_bin() -> Path:
    p = Path(os.environ.get("GREENTIC_RUNNER_BIN", ".build/debug/greentic-runner"))
    if not p.is_absolute():
        p = (Path.cwd() / p) if (Path.cwd() / p).exists() else (REPO / p)
    return p


@pytest.fixture(scope="session")
def secrets() -> Secrets:
    return Secrets()


@pytest.fixture(scope="session")
def rsa_key():
    return make_rsa_key()


@pytest.fixture(scope="session")
def fake(secrets, rsa_key):
    f = FakeProviders(jwks=rsa_key.jwks, telegram_token=secrets.telegram_bot_token).start()
    yield f
    f.stop()


@pytest.fixture(scope="session")
def runner(tmp_path_factory, fake, secrets) -> Runner:
    binary = _runner_bin()
    if not binary.exists():
        pytest.exit(f"runner binary not found: {binary} (set GREENTIC_RUNNER_BIN)", returncode=2)
    tmp = tmp_path_factory.mktemp("deployment")
    pack_dir = tmp / "pack"
    (pack_dir / "flows").mkdir(parents=True)
    (pack_dir / "pack.yaml").write_text(PACK_YAML)
    (pack_dir / "flows" / "chat.ygtc").write_text(FLOW_YGTC)
    pack_file = tmp / "harness.gtpack"
    build = subprocess.run(
        [str(binary), "pack", "build", str(pack_dir), "-o", str(pack_file)],
        capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, f"pack build failed:\n{build.stdout}\n{build.stderr}"
    built = json.loads(build.stdout)
    digest = hashlib.sha256(pack_file.read_bytes()).hexdigest()
    assert built["digest"] == f"sha256:{digest}", built
    index = tmp / "index.json"
    index.write_text(json.dumps({
        "demo": {"main_pack": {"name": built["pack_id"], "version": built["version"],
                               "digest": f"sha256:{digest}", "locator": str(pack_file)}}
    }))
    bindings = tmp / "demo.yaml"
    bindings.write_text(BINDINGS_YAML)

    b = fake.base
    env = {k: v for k, v in os.environ.items() if not _SCRUB.match(k)}
    env.update({
        "PACK_INDEX_URL": str(index),
        "PACK_CACHE_DIR": str(tmp / "cache"),
        "STORE_URL": f"sqlite://{tmp / 'store.sqlite'}",
        "LOG_LEVEL": "info",
        "SLACK_SIGNING_SECRET": secrets.slack_signing_secret,
        "SLACK_BOT_TOKEN": secrets.slack_bot_token,
        "SLACK_API_BASE_URL": f"{b}/slack/api",
        "TELEGRAM_WEBHOOK_SECRET": secrets.telegram_webhook_secret,
        "TELEGRAM_BOT_TOKEN": secrets.telegram_bot_token,
        "TELEGRAM_API_BASE_URL": f"{b}/telegram",
        "MICROSOFT_APP_ID": secrets.microsoft_app_id,
        "MICROSOFT_APP_PASSWORD": secrets.microsoft_app_password,
        "BOTFRAMEWORK_OPENID_METADATA_URL": f"{b}/bf/openid",
        "BOTFRAMEWORK_TOKEN_URL": f"{b}/bf/token",
        "WEBCHAT_TOKEN": secrets.webchat_token,
        "WEBEX_WEBHOOK_SECRET": secrets.webex_webhook_secret,
        "WEBEX_BOT_TOKEN": secrets.webex_bot_token,
        "WEBEX_API_BASE_URL": f"{b}/webex",
        "WHATSAPP_APP_SECRET": secrets.whatsapp_app_secret,
        "WHATSAPP_ACCESS_TOKEN": secrets.whatsapp_access_token,
        "WHATSAPP_VERIFY_TOKEN": secrets.whatsapp_verify_token,
        "WHATSAPP_API_BASE_URL": f"{b}/wa",
    })
    with launched_runner(binary, env, bindings, tmp, fake, secrets) as r:
        yield r
    print(f"\n[harness] runner log: {tmp / 'runner.log'}")




@contextlib.contextmanager
def launched_runner(binary: Path, env: dict, bindings: Path, tmp: Path, fake=None, secrets=None):
    """Starts `serve` with `env` in `tmp`, waits until it is ready, yields the `Runner`, stops it."""
    log_path = tmp / "runner.log"
    log_file = open(log_path, "w", buffering=1)
    proc = subprocess.Popen(
        [str(binary), "serve", "--bindings", str(bindings), "--port", "0", "--host", "127.0.0.1"],
        env=env, cwd=str(tmp), stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.PIPE,
    )
    lines: list[str] = []
    port_box: dict = {}
    port_seen = threading.Event()

    def read_stderr():
        for raw in proc.stderr:  # ends when the process closes stderr
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            log_file.write(line)
            if "port" not in port_box and "greentic-runner listening" in line:
                m = re.search(r"\bport=(\d+)", line)
                if m:
                    port_box["port"] = int(m.group(1))
                    port_seen.set()
        port_seen.set()

    reader = threading.Thread(target=read_stderr, name="runner-stderr", daemon=True)
    reader.start()
    r = Runner(proc=proc, log_lines=lines, log_path=log_path, fake=fake, secrets=secrets)
    try:
        if not port_seen.wait(60) or "port" not in port_box:
            raise RuntimeError("runner did not log its port:\n" + "".join(lines[-40:]))
        r.port = port_box["port"]
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"runner exited with {proc.returncode}:\n" + "".join(lines[-40:]))
            try:
                with urllib.request.urlopen(f"{r.base}/readyz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except Exception:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("runner never became ready:\n" + "".join(lines[-40:]))
            time.sleep(0.1)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    try:
        yield r
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(5)
        log_file.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed:
        r = item.funcargs.get("runner") if hasattr(item, "funcargs") else None
        if isinstance(r, Runner):
            rep.sections.append(("runner log (last 30 lines)", "".join(r.log_lines[-30:])))
