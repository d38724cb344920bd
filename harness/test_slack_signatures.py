"""Differential property test: the runner's Slack request verification against slack_sdk.

Oracle: `slack_sdk.signature.SignatureVerifier(secret).is_valid(body, timestamp, signature)`.
The runner must refuse (401) exactly the requests the SDK refuses, on /slack/events and on
/slack/interactive. Timestamps stay at least 10 s away from the 300 s window edge so clock
ticks between the oracle and the runner cannot flip a verdict.
"""

from __future__ import annotations

import json
import string
import time
import urllib.parse
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier

OTHER_SECRET = "another-signing-secret-0000000000"
# "correct" is listed three times so that enough requests are valid (the window halves them).
VARIANTS = ["correct"] * 3 + ["other_secret", "digit_changed", "truncated", "uppercase", "no_prefix"]

# [-600,-310] ∪ [-290,290] ∪ [310,600]; the in-window range is listed twice to weight it to one half.
in_window = st.integers(-290, 290)
offsets = st.one_of(st.integers(-600, -310), in_window, in_window, st.integers(310, 600))


@st.composite
def event_bodies(draw) -> str:
    if draw(st.integers(0, 3)) == 0:
        return json.dumps(
            {"token": draw(st.text(max_size=24)), "challenge": draw(st.text(min_size=1, max_size=48)),
             "type": "url_verification"},
            ensure_ascii=draw(st.booleans()),
        )
    return draw(st.text(max_size=300))


@st.composite
def interactive_bodies(draw) -> str:
    # Never block_actions: these bodies only probe verification, they must not run flows.
    payload = {
        "type": draw(st.sampled_from(["view_submission", "shortcut", "message_action", "view_closed", "x"])),
        "team": {"id": draw(st.text(max_size=12))},
        "user": {"id": draw(st.text(max_size=12))},
        "trigger_id": draw(st.text(max_size=30)),
        "callback_id": draw(st.text(max_size=30)),
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=draw(st.booleans()))})


@st.composite
def signature_plans(draw):
    variant = draw(st.sampled_from(VARIANTS))
    return {
        "variant": variant,
        "offset": draw(offsets),
        "index": draw(st.integers(0, 63)),
        "digit": draw(st.sampled_from("0123456789abcdef")),
        "cut": draw(st.integers(0, 66)),
    }


def make_signature(secret: str, ts: str, body: str, plan: dict) -> str:
    good = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    hexpart = good[3:]
    v = plan["variant"]
    if v == "correct":
        return good
    if v == "other_secret":
        return SignatureVerifier(OTHER_SECRET).generate_signature(timestamp=ts, body=body)
    if v == "digit_changed":
        i = plan["index"]
        d = plan["digit"]
        if d == hexpart[i]:
            d = "0123456789abcdef"[(int(d, 16) + 1) % 16]
        return "v0=" + hexpart[:i] + d + hexpart[i + 1:]
    if v == "truncated":
        return good[: min(plan["cut"], len(good) - 1)]
    if v == "uppercase":
        return "v0=" + hexpart.upper()
    if v == "no_prefix":
        return hexpart
    raise AssertionError(v)


def check(runner, path: str, content_type: str, body: str, plan: dict, tally: Counter):
    secret = runner.secrets.slack_signing_secret
    ts = str(int(time.time()) + plan["offset"])
    sig = make_signature(secret, ts, body, plan)
    verdict = SignatureVerifier(secret).is_valid(body, ts, sig)
    resp = runner.post(path, body.encode("utf-8"), {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sig,
    })
    tally["accepted" if verdict else "rejected"] += 1
    tally[f"{plan['variant']}:{verdict}"] += 1
    assert (resp.status != 401) == verdict, (
        f"{path}: slack_sdk says {'valid' if verdict else 'invalid'} but the runner answered "
        f"{resp.status} {resp.body[:200]!r}\n  variant={plan['variant']} offset={plan['offset']}s "
        f"ts={ts} signature={sig!r}\n  body={body[:200]!r}"
    )
    if verdict and path == "/slack/events" and body.startswith('{"token"'):
        # A verified url_verification must be answered with its challenge, exactly.
        challenge = json.loads(body)["challenge"]
        assert resp.status == 200, (resp.status, resp.body[:200])
        assert json.loads(resp.body)["challenge"] == challenge, (resp.body[:300], challenge)
        tally["challenges"] += 1


def test_slack_signature_agrees_with_slack_sdk(runner):
    tally: Counter = Counter()

    @settings(derandomize=True, max_examples=300, deadline=None)
    @given(body=event_bodies(), plan=signature_plans())
    def events(body, plan):
        check(runner, "/slack/events", "application/json", body, plan, tally)

    events()
    print("events:", dict(tally))
    # The property is not vacuous: both verdicts occurred often.
    assert tally["accepted"] >= 20 and tally["rejected"] >= 100 and tally["challenges"] >= 3, tally

    itally: Counter = Counter()

    @settings(derandomize=True, max_examples=120, deadline=None)
    @given(body=interactive_bodies(), plan=signature_plans())
    def interactive(body, plan):
        check(runner, "/slack/interactive", "application/x-www-form-urlencoded", body, plan, itally)

    interactive()
    print("interactive:", dict(itally))
    assert itally["accepted"] >= 8 and itally["rejected"] >= 40, itally
