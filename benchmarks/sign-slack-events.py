#!/usr/bin/env python3
"""Writes COUNT Slack Events API requests, each signed as Slack signs them (v0 HMAC-SHA256 over
"v0:{timestamp}:{body}"), one per line as "timestamp<TAB>signature<TAB>body", for
benchmarks/slack-events.lua. Every event has its own event_id (a repeated one is answered from
the runner's dedupe record without a run) and its own channel (so no per-conversation rate
limit applies).

Usage: sign-slack-events.py SECRET PREFIX COUNT FILE
"""
import hashlib
import hmac
import json
import sys
import time

secret, prefix, count, path = sys.argv[1].encode(), sys.argv[2], int(sys.argv[3]), sys.argv[4]
ts = str(int(time.time()))
with open(path, "w") as out:
    for i in range(count):
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "TBENCH",
                "event_id": f"Ev{prefix}x{i}",
                "event_time": int(ts),
                "event": {"type": "message", "channel": f"C{prefix}x{i}", "user": "UBENCH", "text": "Ada",
                          "ts": f"{ts}.{i % 1000000:06d}"},
            },
            separators=(",", ":"),
        )
        signature = "v0=" + hmac.new(secret, f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        out.write(f"{ts}\t{signature}\t{body}\n")
