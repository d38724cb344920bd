#!/usr/bin/env python3
"""Writes the provider webhook fixtures of Tests/RunnerChannelsTests/Fixtures/<provider>/ with the
providers' official SDKs, and next to each one the canonical payload (reference §8.2) the runner
must turn it into, computed by a small, independent oracle of docs/channels.md ("Ingress, per
provider"). The Swift adapters are tested against these files; this script is the second opinion.

    python3 -m venv .venv-fixtures && .venv-fixtures/bin/pip install -r scripts/fixtures-requirements.txt
    .venv-fixtures/bin/python scripts/make-channel-fixtures.py

Files per fixture (see Fixtures/README.md, which this script also writes):
- `<name>.json`           the exact request body the provider POSTs
                          (Slack interactivity: `<name>.form`, the raw `payload=<urlencoded JSON>` body);
- `<name>.message.json`   Webex only: the body of the `GET /messages/{id}` answer;
- `<name>.expected.json`  the canonical payload (WhatsApp batches: `<name>.<i>.expected.json`, one per message);
- `<name>.ignored`        (empty) the request is answered without running a flow;
- `<name>.challenge`      Slack `url_verification`: the challenge the answer must echo.

Fixed inputs make the output byte-for-byte reproducible: every id and date is a constant, and
"now" (Telegram timestamps, a missing timestamp) is NOW below. The provider folders are wiped
and rewritten on every run.
"""
from __future__ import annotations

import base64
import calendar
import datetime
import json
import pathlib
import re
import shutil
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/RunnerChannelsTests/Fixtures"
PROVIDERS = ("telegram", "slack", "teams", "webchat", "webex", "whatsapp")

UTC = datetime.timezone.utc
NOW_TEXT = "2026-01-01T12:00:00+00:00"
NOW = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=UTC)  # "now" for the oracle: the tests pin their clock to it
NOW_INSTANT = (calendar.timegm(NOW.utctimetuple()), 0)  # (epoch seconds, nanoseconds)


# ------------------------------------------------------------------------------------------------
# JSON and time helpers
# ------------------------------------------------------------------------------------------------

def dumps(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def chrono_rfc3339(instant: tuple[int, int]) -> str:
    """chrono's `DateTime<Utc>::to_rfc3339()`: `+00:00`, and the fraction only when non-zero, with
    3, 6 or 9 digits (SecondsFormat::AutoSi: as few as show every non-zero digit)."""
    seconds, nanos = instant
    text = datetime.datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if nanos == 0:
        fraction = ""
    elif nanos % 1_000_000 == 0:
        fraction = f".{nanos // 1_000_000:03d}"
    elif nanos % 1_000 == 0:
        fraction = f".{nanos // 1_000:06d}"
    else:
        fraction = f".{nanos:09d}"
    return text + fraction + "+00:00"


_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$")


def parse_rfc3339(text: str) -> tuple[int, int]:
    """chrono's `DateTime::parse_from_rfc3339`, to (epoch seconds, nanoseconds) in UTC."""
    match = _RFC3339.match(text)
    if not match:
        raise ValueError(f"not RFC 3339: {text!r}")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    digits = (match.group(7) or "")[:9]
    nanos = int(digits.ljust(9, "0")) if digits else 0
    zone = match.group(8)
    offset = 0 if zone in ("Z", "z") else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) - offset
    return seconds, nanos


# ------------------------------------------------------------------------------------------------
# The oracle: docs/channels.md "Ingress, per provider", one function per provider.
# Each returns the canonical payload (a list of them for WhatsApp), or None when the request runs
# no flow. It reads plain JSON only (never the SDK objects), exactly as the runner receives it.
# ------------------------------------------------------------------------------------------------

PROVIDER_ID_KEYS = ("team_id", "workspace_id", "conversation_id", "thread_id", "channel_id", "user_id", "message_id", "event_id")


def session_key(tenant: str, provider: str, ids: dict) -> str:
    """`{tenant}:{provider}:{thread ?? conversation ?? channel ?? user ?? "conversation"}:{user ?? "user"}`."""
    anchor = next((ids[k] for k in ("thread_id", "conversation_id", "channel_id", "user_id") if ids.get(k) is not None), "conversation")
    user = ids.get("user_id") if ids.get("user_id") is not None else "user"
    return f"{tenant}:{provider}:{anchor}:{user}"


def attachment(type_, name=None, mime=None, size=None, url=None, data_inline_b64=None) -> dict:
    return {"type": type_, "name": name, "mime": mime, "size": size if size is not None else 0, "url": url, "data_inline_b64": data_inline_b64}


def button(id_, title, payload) -> dict:
    return {"id": id_, "title": title, "payload": payload}


def canonical(tenant, provider, ids, scopes, instant, locale, text, attachments, buttons, channel_data, raw) -> dict:
    """The reference §8.2 payload: exactly these keys."""
    assert set(ids) <= set(PROVIDER_ID_KEYS), ids
    ids = {k: v for k, v in ids.items() if v is not None}
    return {
        "tenant": tenant,
        "provider": provider,
        "provider_ids": ids,
        "session": {"key": session_key(tenant, provider, ids), "scopes": sorted(scopes)},
        "timestamp": chrono_rfc3339(instant),
        "locale": locale,
        "text": text,
        "attachments": attachments,
        "buttons": buttons,
        "entities": {"mentions": [], "urls": []},
        "metadata": {"raw_headers": {}, "ip": None},
        "channel_data": channel_data if channel_data is not None else {},
        "raw": raw,
    }


def type_by_mime_prefix(mime) -> str:
    """`image/…`, `audio/…`, `video/…` → that word; anything else (or none) → `file`."""
    for prefix in ("image", "audio", "video"):
        if isinstance(mime, str) and mime.startswith(prefix + "/"):
            return prefix
    return "file"


def expect_telegram(tenant: str, update: dict, now=NOW_INSTANT):
    update_id = update["update_id"]
    message = update.get("message")
    if message is not None:
        text = message.get("text")
        if not isinstance(text, str) or not text.strip():
            return None  # 204: no text (or only blanks)
        chat_id = message["chat"]["id"]
        sender = message.get("from")
        ids = {
            "conversation_id": str(chat_id),
            "channel_id": str(chat_id),
            "user_id": str(sender["id"]) if sender is not None else None,
            "message_id": str(update_id),
            "event_id": str(update_id),
        }
        raw = {"update_id": update_id, "message": {"text": text, "chat": {"id": chat_id}, "from": {"id": sender["id"]} if sender is not None else None}}
        return canonical(tenant, "telegram", ids, ["chat"], now, None, text, [], [], {"chat_id": chat_id}, raw)
    query = update.get("callback_query")
    if query is not None:
        chat_id = query["message"]["chat"]["id"]
        data = query.get("data")
        keyboard = ((query["message"].get("reply_markup") or {}).get("inline_keyboard")) or []
        pressed = [b for row in keyboard for b in row if b.get("callback_data") == data]
        title = pressed[0]["text"] if pressed else data
        ids = {
            "conversation_id": str(chat_id),
            "channel_id": str(chat_id),
            "user_id": str(query["from"]["id"]),
            "message_id": str(update_id),
            "event_id": str(update_id),
        }
        channel_data = {"chat_id": chat_id, "callback_query_id": query["id"]}
        return canonical(tenant, "telegram", ids, ["buttons", "chat"], now, None, title, [], [button(data, title, data)], channel_data, update)
    return None  # 204: edited messages and every other update


SLACK_RUNNABLE_SUBTYPES = (None, "file_share", "thread_broadcast")


def slack_instant(ts, fallback_seconds, now):
    """Whole seconds of a Slack `ts` ("1731315600.000100"), else the fallback epoch, else now."""
    if isinstance(ts, str) and ts.split(".")[0].isdigit():
        return int(ts.split(".")[0]), 0
    if isinstance(fallback_seconds, int):
        return fallback_seconds, 0
    return now


def expect_slack_event(tenant: str, body: dict, now=NOW_INSTANT):
    if body.get("type") != "event_callback":
        return None  # url_verification is answered with its challenge; anything else 200
    event = body["event"]
    if event.get("bot_id") is not None or event.get("subtype") == "bot_message":
        return None
    if not (event.get("type") == "app_mention" or (event.get("type") == "message" and event.get("subtype") in SLACK_RUNNABLE_SUBTYPES)):
        return None
    thread_ts = event.get("thread_ts")
    ids = {
        "workspace_id": body.get("team_id"),
        "channel_id": event.get("channel"),
        "thread_id": thread_ts,
        "conversation_id": thread_ts if thread_ts is not None else event.get("channel"),
        "user_id": event.get("user"),
        "message_id": event.get("ts"),
        "event_id": body.get("event_id"),
    }
    attachments = [
        attachment(type_by_mime_prefix(f.get("mimetype")), f.get("name"), f.get("mimetype"), f.get("size"), f.get("url_private"))
        for f in event.get("files") or []
    ]
    buttons = [
        button(e.get("action_id") or "", (e.get("text") or {}).get("text") or "Button", e.get("value") or "")
        for block in event.get("blocks") or []
        for e in block.get("elements") or []
        if e.get("type") == "button"
    ]
    scopes = ["chat"] + (["attachments"] if attachments else []) + (["buttons"] if buttons else [])
    instant = slack_instant(event.get("ts"), body.get("event_time"), now)
    channel_data = {"type": event.get("type"), "subtype": event.get("subtype")}
    return canonical(tenant, "slack", ids, scopes, instant, event.get("locale"), event.get("text"), attachments, buttons, channel_data, body)


def expect_slack_interactive(tenant: str, form_body: str, now=NOW_INSTANT):
    fields = urllib.parse.parse_qs(form_body, keep_blank_values=True, strict_parsing=True)
    payload = json.loads(fields["payload"][0])
    if payload.get("type") != "block_actions":
        return None
    actions = payload.get("actions") or []
    # "action_ts": a block_actions payload carries it on each action (none at the top level).
    action_ts = actions[0].get("action_ts") if actions and actions[0].get("action_ts") is not None else payload.get("action_ts")
    channel_id = (payload.get("channel") or {}).get("id")
    trigger_id = payload.get("trigger_id")
    # A button in a thread continues the thread's conversation (the thread anchors the session).
    thread_ts = (payload.get("message") or {}).get("thread_ts") or (payload.get("container") or {}).get("thread_ts")
    ids = {
        "workspace_id": (payload.get("team") or {}).get("id"),
        "channel_id": channel_id,
        "thread_id": thread_ts,
        "conversation_id": thread_ts if thread_ts is not None else channel_id,
        "user_id": (payload.get("user") or {}).get("id"),
        "event_id": trigger_id if trigger_id is not None else action_ts,
    }

    def action_payload(action):
        if action.get("value") is not None:
            return action["value"]
        if (action.get("selected_option") or {}).get("value") is not None:
            return action["selected_option"]["value"]
        return ""

    buttons = [button(a.get("action_id") or "", (a.get("text") or {}).get("text") or "Button", action_payload(a)) for a in actions]
    text = (payload.get("message") or {}).get("text")
    instant = slack_instant(action_ts, None, now)
    return canonical(tenant, "slack", ids, ["buttons", "chat"], instant, None, text, [], buttons, {"type": payload["type"]}, payload)


def bot_framework_attachments(activity: dict, json_is_card: bool) -> list:
    result = []
    for a in activity.get("attachments") or []:
        content_type = a.get("contentType")
        if json_is_card and isinstance(content_type, str) and "application/json" in content_type:
            type_ = "card"
        else:
            type_ = type_by_mime_prefix(content_type)
        content = a.get("content")
        result.append(attachment(type_, a.get("name"), content_type, a.get("size"), a.get("contentUrl"), content if isinstance(content, str) else None))
    return result


def bot_framework_instant(activity: dict, now):
    return parse_rfc3339(activity["timestamp"]) if activity.get("timestamp") is not None else now


def expect_teams(tenant: str, activity: dict, now=NOW_INSTANT):
    if activity.get("type") != "message":
        return None  # 202, no flow
    channel_data = activity.get("channelData")
    reply_to = activity.get("replyToId")
    ids = {
        "team_id": ((channel_data or {}).get("team") or {}).get("id"),
        "conversation_id": (activity.get("conversation") or {}).get("id"),
        "thread_id": reply_to,
        "event_id": reply_to,
        "channel_id": ((channel_data or {}).get("channel") or {}).get("id"),
        "user_id": activity["from"]["id"],
        "message_id": activity.get("id"),
    }
    attachments = bot_framework_attachments(activity, json_is_card=False)
    scopes = ["chat"] + (["attachments"] if attachments else [])
    data = {"channel_data": channel_data, "service_url": activity.get("serviceUrl")}
    return canonical(tenant, "teams", ids, scopes, bot_framework_instant(activity, now), activity.get("locale"), activity.get("text"), attachments, [], data, activity)


def expect_webchat(tenant: str, activity: dict, now=NOW_INSTANT):
    type_ = activity.get("type") if activity.get("type") is not None else "message"
    if type_ != "message":
        return None  # 202, no flow
    ids = {
        "conversation_id": (activity.get("conversation") or {}).get("id"),
        "user_id": activity["from"]["id"],
        "message_id": activity.get("id"),
        "event_id": activity.get("id"),
    }
    attachments = bot_framework_attachments(activity, json_is_card=True)
    scopes = ["chat"] + (["attachments"] if attachments else [])
    channel_data = activity.get("channelData")
    data = {"type": type_, "channel_data": channel_data if channel_data is not None else {}}
    return canonical(tenant, "webchat", ids, scopes, bot_framework_instant(activity, now), activity.get("locale"), activity.get("text"), attachments, [], data, activity)


def expect_webex(tenant: str, notification: dict, message: dict | None, now=NOW_INSTANT):
    if notification.get("resource") != "messages" or notification.get("event") != "created":
        return None  # 202, no flow
    data = notification["data"]
    ids = {
        "conversation_id": data["roomId"],
        "thread_id": data.get("parentId"),
        "user_id": data.get("personId") if data.get("personId") is not None else data.get("personEmail"),
        "message_id": data["id"],
    }
    attachments = [attachment("file", url=url) for url in data.get("files") or []]
    scopes = ["chat"] + (["attachments"] if attachments else [])
    # When the message was created (data.created); the top-level `created` is the webhook's.
    created = data.get("created") if data.get("created") is not None else notification.get("created")
    instant = parse_rfc3339(created) if created is not None else now
    channel_data = {"resource": notification.get("resource"), "event": notification.get("event"), "roomType": data.get("roomType")}
    text = message.get("text")  # fetched with GET /messages/{data.id} before the flow runs
    return canonical(tenant, "webex", ids, scopes, instant, None, text, attachments, [], channel_data, notification)


def expect_whatsapp(tenant: str, body: dict, now=NOW_INSTANT) -> list:
    events = []
    for entry in body.get("entry") or []:
        for change in entry.get("changes") or []:
            for message in (change.get("value") or {}).get("messages") or []:
                events.append(whatsapp_message(tenant, body, message, now))
    return events  # empty: statuses only → 200, no flow


def whatsapp_message(tenant, body, message, now):
    sender = message["from"]
    ids = {"conversation_id": sender, "user_id": sender, "message_id": message["id"]}
    timestamp = message.get("timestamp")
    instant = (int(timestamp), 0) if isinstance(timestamp, str) and timestamp.isdigit() else now
    type_ = message["type"]
    text, attachments, buttons = None, [], []
    if type_ == "text":
        text = message["text"]["body"]
    elif type_ in ("image", "audio", "video"):
        media = message[type_]
        attachments.append(attachment(type_, name=media.get("caption"), mime=media.get("mime_type"), url=media.get("link")))
    elif type_ == "document":
        document = message["document"]
        attachments.append(attachment("file", name=document.get("filename"), mime=document.get("mime_type"), url=document.get("link")))
    elif type_ == "location":
        name = message["location"].get("name")
        text = name if name is not None else "location"
    elif type_ == "interactive":
        interactive = message["interactive"]
        reply = interactive.get("button_reply") or interactive.get("list_reply")
        if reply is not None:
            buttons.append(button(reply["id"], reply["title"], reply["id"]))
            text = reply["title"]
    elif type_ == "button":  # a template's quick-reply button: payload is the id, text the title
        quick = message["button"]
        buttons.append(button(quick["payload"], quick["text"], quick["payload"]))
        text = quick["text"]
    scopes = ["chat"] + (["attachments"] if attachments else []) + (["buttons"] if buttons else [])
    return canonical(tenant, "whatsapp", ids, scopes, instant, None, text, attachments, buttons, {"type": type_}, body)


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------

README_ROWS: dict[str, list[tuple[str, str, str]]] = {p: [] for p in PROVIDERS}


def record(provider, name, tenant, what):
    README_ROWS[provider].append((name, tenant, what))


def write_text(provider, filename, text):
    (OUT / provider / filename).write_text(text, encoding="utf-8")


def write_fixture(provider, name, tenant, what, body, expected, *, body_ext="json", body_text=None, ignored_expected=False):
    """Writes `<name>.<body_ext>` and `<name>.expected.json`, or `<name>.ignored` when the oracle
    says no flow runs; `ignored_expected` is the author's intent, checked against the oracle."""
    write_text(provider, f"{name}.{body_ext}", body_text if body_text is not None else dumps(body))
    if expected is None:
        assert ignored_expected, f"{provider}/{name}: the oracle ignores it, but it should run a flow"
        write_text(provider, f"{name}.ignored", "")
    else:
        assert not ignored_expected, f"{provider}/{name}: the oracle runs a flow, but it should be ignored"
        assert expected["tenant"] == tenant
        write_text(provider, f"{name}.expected.json", dumps(expected))
    record(provider, name, tenant, what)


# ------------------------------------------------------------------------------------------------
# Telegram: python-telegram-bot objects, Update.to_dict()
# ------------------------------------------------------------------------------------------------

def make_telegram():
    from telegram import CallbackQuery, Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User

    tenant = "demo"
    ada = User(id=777, first_name="Ada", is_bot=False, language_code="en")
    bot = User(id=5000001, first_name="Greentic", is_bot=True, username="greentic_bot")
    group = Chat(id=123, type=Chat.GROUP, title="Greentic demo")

    def body(update):
        payload = update.to_dict()
        # The library's own parser must read it back (a valid Update).
        assert Update.de_json(payload, None).update_id == update.update_id
        return payload

    update = body(Update(update_id=1001, message=Message(message_id=11, date=NOW, chat=group, from_user=ada, text="hello")))
    write_fixture("telegram", "message", tenant,
                  "text message; key `demo:telegram:123:777`; timestamp = now; `raw` is the typed subset",
                  update, expect_telegram(tenant, update))

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes"), InlineKeyboardButton("No", callback_data="no")]])
    question = Message(message_id=12, date=NOW, chat=group, from_user=bot, text="Shall I go on?", reply_markup=keyboard)

    def press(update_id, query_id, data):
        query = CallbackQuery(id=query_id, from_user=ada, chat_instance="-5218891946271960101", message=question, data=data)
        return body(Update(update_id=update_id, callback_query=query))

    update = press(1002, "4382bfdwdsb323b2d9", "yes")
    write_fixture("telegram", "callback_query", tenant,
                  "button press on the bot's inline keyboard (Yes/No, pressed `yes`): text = title `Yes`, one button, scopes buttons+chat, `callback_query_id` in channel_data, `raw` = the whole update",
                  update, expect_telegram(tenant, update))

    update = press(1003, "4382bfdwdsb323b2e0", "maybe")
    write_fixture("telegram", "callback_query_stale", tenant,
                  "button press whose `callback_data` is not in the message's keyboard (stale keyboard): title = the data itself",
                  update, expect_telegram(tenant, update))

    update = body(Update(update_id=1004, edited_message=Message(message_id=11, date=NOW, edit_date=NOW, chat=group, from_user=ada, text="hello, edited")))
    write_fixture("telegram", "edited_message", tenant, "`edited_message` update: not a flow event (204)",
                  update, expect_telegram(tenant, update), ignored_expected=True)

    update = body(Update(update_id=1005, message=Message(message_id=13, date=NOW, chat=group, from_user=ada, text=" \n\t ")))
    write_fixture("telegram", "blank_text", tenant, "message whose text is only blanks: not a flow event (204)",
                  update, expect_telegram(tenant, update), ignored_expected=True)


# ------------------------------------------------------------------------------------------------
# Slack: Events API envelopes and interactivity payloads as in Slack's docs, blocks built with
# slack_sdk.models.blocks (and parsed back by Block.parse).
# ------------------------------------------------------------------------------------------------

SLACK_TEAM = "T1"
SLACK_APP = "A0GREENTIC"
SLACK_BOT_USER = "U0BOT"
SLACK_CHANNEL = "C123"
SLACK_USER = "U456"
SLACK_TS = "1731315600.000100"


def make_slack():
    from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, MarkdownTextObject, SectionBlock
    from slack_sdk.models.blocks import InputBlock, PlainTextInputElement
    from slack_sdk.models.blocks import RichTextBlock, RichTextElementParts, RichTextSectionElement
    from slack_sdk.models.views import View

    tenant = "demo"

    def blocks(*built):
        dicts = [b.to_dict() for b in built]
        for d in dicts:  # the SDK's parser reads them back
            assert Block.parse(d).to_dict() == d
        return dicts

    def rich_text(block_id, *parts):
        return RichTextBlock(block_id=block_id, elements=[RichTextSectionElement(elements=list(parts))])

    def envelope(event_id, event_time, event):
        return {
            "token": "XXYYZZ-verification-token",
            "team_id": SLACK_TEAM,
            "context_team_id": SLACK_TEAM,
            "context_enterprise_id": None,
            "api_app_id": SLACK_APP,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": event_time,
            "authorizations": [{"enterprise_id": None, "team_id": SLACK_TEAM, "user_id": SLACK_BOT_USER, "is_bot": True, "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
            "event_context": f"4-eyJldCI6Im1lc3NhZ2UiLCJ0aWQiOiJUMSIsImFpZCI6IkEwR1JFRU5USUMiLCJjaWQiOiJDMTIzIn0-{event_id}",
        }

    def message(ts, text, *, client_msg_id, extra=None, block_list=None):
        event = {
            "type": "message",
            "user": SLACK_USER,
            "text": text,
            "ts": ts,
            "team": SLACK_TEAM,
            "channel": SLACK_CHANNEL,
            "event_ts": ts,
            "channel_type": "channel",
            "client_msg_id": client_msg_id,
            "blocks": block_list if block_list is not None else blocks(rich_text("rt1", RichTextElementParts.Text(text=text))),
        }
        event.update(extra or {})
        return event

    def event_fixture(name, what, body, ignored=False):
        write_fixture("slack", name, tenant, what, body, expect_slack_event(tenant, body), ignored_expected=ignored)

    event_fixture("message",
                  "top-level channel message (C123, U456, team T1, ts 1731315600.000100): key `demo:slack:C123:U456`, timestamp in whole seconds",
                  envelope("Ev0MSG000001", 1731315600, message(SLACK_TS, "hello from slack", client_msg_id="0b1e53a3-6a4f-4f33-9a3b-5f1d2c000001")))

    event_fixture("thread_reply",
                  "reply in the thread of 1731315600.000100: thread_id = conversation_id = thread_ts, key `demo:slack:1731315600.000100:U456`",
                  envelope("Ev0MSG000002", 1731315660, message("1731315660.000200", "a reply in the thread", client_msg_id="0b1e53a3-6a4f-4f33-9a3b-5f1d2c000002",
                                                            extra={"thread_ts": SLACK_TS, "parent_user_id": SLACK_USER})))

    event_fixture("thread_broadcast",
                  "thread reply also sent to the channel (subtype `thread_broadcast`): runs, keyed by the thread",
                  envelope("Ev0MSG000003", 1731315720, message("1731315720.000300", "also sent to the channel", client_msg_id="0b1e53a3-6a4f-4f33-9a3b-5f1d2c000003",
                                                            extra={"subtype": "thread_broadcast", "thread_ts": SLACK_TS, "root": {"type": "message", "user": SLACK_USER, "text": "hello from slack", "ts": SLACK_TS, "thread_ts": SLACK_TS, "reply_count": 2}})))

    png = {
        "id": "F0PNG0001",
        "created": 1731315780,
        "timestamp": 1731315780,
        "name": "screenshot.png",
        "title": "screenshot.png",
        "mimetype": "image/png",
        "filetype": "png",
        "pretty_type": "PNG",
        "user": SLACK_USER,
        "user_team": SLACK_TEAM,
        "editable": False,
        "size": 48213,
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": True,
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": "https://files.slack.com/files-pri/T1-F0PNG0001/screenshot.png",
        "url_private_download": "https://files.slack.com/files-pri/T1-F0PNG0001/download/screenshot.png",
        "media_display_type": "unknown",
        "original_w": 1280,
        "original_h": 800,
        "permalink": "https://greentic.slack.com/files/U456/F0PNG0001/screenshot.png",
        "permalink_public": "https://slack-files.com/T1-F0PNG0001-0123456789",
        "has_rich_preview": False,
        "file_access": "visible",
    }
    event_fixture("file_share",
                  "message with one uploaded PNG (subtype `file_share`): attachment image/png with name, size, `url_private`; scopes attachments+chat",
                  envelope("Ev0MSG000004", 1731315780, message("1731315780.000400", "here is the screenshot", client_msg_id="0b1e53a3-6a4f-4f33-9a3b-5f1d2c000004",
                                                            extra={"subtype": "file_share", "files": [png], "upload": False, "display_as_bot": False})))

    with_buttons = blocks(
        SectionBlock(block_id="question", text=MarkdownTextObject(text="Deploy *v1.2.3* to production?")),
        ActionsBlock(block_id="decision", elements=[
            ButtonElement(text="Approve", action_id="approve", value="deploy-123", style="primary"),
            ButtonElement(text="Details", action_id="details"),
        ]),
    )
    event_fixture("blocks_with_button",
                  "message whose blocks hold an actions block with two buttons (one without `value` → payload \"\"): scopes buttons+chat",
                  envelope("Ev0MSG000005", 1731315840, message("1731315840.000500", "Deploy v1.2.3 to production?", client_msg_id="0b1e53a3-6a4f-4f33-9a3b-5f1d2c000005",
                                                            block_list=with_buttons)))

    mention_blocks = blocks(rich_text("rt2", RichTextElementParts.User(user_id=SLACK_BOT_USER), RichTextElementParts.Text(text=" what's the weather?")))
    event_fixture("app_mention",
                  "`app_mention` event: runs like a message; channel_data type `app_mention`, subtype null",
                  envelope("Ev0MNT000001", 1731315900, {
                      "type": "app_mention",
                      "user": SLACK_USER,
                      "text": f"<@{SLACK_BOT_USER}> what's the weather?",
                      "ts": "1731315900.000600",
                      "team": SLACK_TEAM,
                      "channel": SLACK_CHANNEL,
                      "event_ts": "1731315900.000600",
                      "client_msg_id": "0b1e53a3-6a4f-4f33-9a3b-5f1d2c000006",
                      "blocks": mention_blocks,
                  }))

    event_fixture("bot_message",
                  "a bot's message (subtype `bot_message`, `bot_id`): ignored (200, no flow), so the runner never answers itself",
                  envelope("Ev0BOT000001", 1731315960, {
                      "type": "message",
                      "subtype": "bot_message",
                      "text": "echo: hello from slack",
                      "ts": "1731315960.000700",
                      "username": "Greentic",
                      "bot_id": "B0GREENTIC",
                      "app_id": SLACK_APP,
                      "channel": SLACK_CHANNEL,
                      "event_ts": "1731315960.000700",
                      "channel_type": "channel",
                  }), ignored=True)

    event_fixture("message_changed",
                  "an edit (subtype `message_changed`): ignored",
                  envelope("Ev0CHG000001", 1731316020, {
                      "type": "message",
                      "subtype": "message_changed",
                      "hidden": True,
                      "channel": SLACK_CHANNEL,
                      "ts": "1731316020.000800",
                      "event_ts": "1731316020.000800",
                      "channel_type": "channel",
                      "message": {"type": "message", "user": SLACK_USER, "text": "hello from slack (edited)", "ts": SLACK_TS, "team": SLACK_TEAM,
                                  "edited": {"user": SLACK_USER, "ts": "1731316020.000000"}, "client_msg_id": "0b1e53a3-6a4f-4f33-9a3b-5f1d2c000001"},
                      "previous_message": {"type": "message", "user": SLACK_USER, "text": "hello from slack", "ts": SLACK_TS, "team": SLACK_TEAM,
                                           "client_msg_id": "0b1e53a3-6a4f-4f33-9a3b-5f1d2c000001"},
                  }), ignored=True)

    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    verification = {"token": "XXYYZZ-verification-token", "challenge": challenge, "type": "url_verification"}
    assert expect_slack_event(tenant, verification) is None
    write_text("slack", "url_verification.json", dumps(verification))
    write_text("slack", "url_verification.challenge", challenge)
    record("slack", "url_verification", tenant, "handshake: 200 `{\"challenge\": …}`, the challenge is in `url_verification.challenge` (no newline)")

    # Interactivity: application/x-www-form-urlencoded `payload=<JSON>` (compact JSON, form-encoded: spaces as '+').
    def form(payload):
        return urllib.parse.urlencode({"payload": json.dumps(payload, separators=(",", ":"), ensure_ascii=False)})

    block_actions = {
        "type": "block_actions",
        "user": {"id": SLACK_USER, "username": "ada", "name": "ada", "team_id": SLACK_TEAM},
        "api_app_id": SLACK_APP,
        "token": "XXYYZZ-verification-token",
        "container": {"type": "message", "message_ts": "1731315840.000500", "channel_id": SLACK_CHANNEL, "is_ephemeral": False},
        "trigger_id": "1731316080123.1234567890.0123456789abcdef0123456789abcdef",
        "team": {"id": SLACK_TEAM, "domain": "greentic"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": SLACK_CHANNEL, "name": "general"},
        "message": {
            "user": SLACK_BOT_USER,
            "type": "message",
            "ts": "1731315840.000500",
            "bot_id": "B0GREENTIC",
            "app_id": SLACK_APP,
            "text": "Deploy v1.2.3 to production?",
            "team": SLACK_TEAM,
            "blocks": with_buttons,
        },
        "state": {"values": {}},
        "response_url": "https://hooks.slack.com/actions/T1/1731316080/0123456789abcdefABCDEF01",
        "actions": [{
            "action_id": "approve",
            "block_id": "decision",
            "text": {"type": "plain_text", "text": "Approve", "emoji": True},
            "value": "deploy-123",
            "style": "primary",
            "type": "button",
            "action_ts": "1731316080.123456",
        }],
    }
    body = form(block_actions)
    write_fixture("slack", "block_actions", tenant,
                  "interactivity: the Approve button clicked (form body): key `demo:slack:C123:U456`, event_id = trigger_id, text = message.text, timestamp = whole seconds of the action's `action_ts`",
                  None, expect_slack_interactive(tenant, body), body_ext="form", body_text=body)

    view = View(type="modal", callback_id="feedback", title="Feedback", submit="Send", close="Cancel",
                blocks=[InputBlock(block_id="comment_block", label="Comment", element=PlainTextInputElement(action_id="comment"))]).to_dict()
    view.update({"id": "V0FEEDBACK1", "team_id": SLACK_TEAM, "app_id": SLACK_APP, "bot_id": "B0GREENTIC", "hash": "1731316140.abcdEF12",
                 "state": {"values": {"comment_block": {"comment": {"type": "plain_text_input", "value": "All good"}}}}})
    view_submission = {
        "type": "view_submission",
        "team": {"id": SLACK_TEAM, "domain": "greentic"},
        "user": {"id": SLACK_USER, "username": "ada", "name": "ada", "team_id": SLACK_TEAM},
        "api_app_id": SLACK_APP,
        "token": "XXYYZZ-verification-token",
        "trigger_id": "1731316140456.1234567890.fedcba9876543210fedcba9876543210",
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    body = form(view_submission)
    write_fixture("slack", "view_submission", tenant, "interactivity: a modal submitted (`view_submission`): ignored (200, no flow)",
                  None, expect_slack_interactive(tenant, body), body_ext="form", body_text=body, ignored_expected=True)


# ------------------------------------------------------------------------------------------------
# Teams and WebChat: botbuilder-schema Activity(...).serialize(), read back with deserialize()
# ------------------------------------------------------------------------------------------------

def serialize_activity(activity):
    from botbuilder.schema import Activity

    wire = activity.serialize()
    # The SDK reads it back unchanged (entities come back as the base Entity, type only).
    back = Activity().deserialize(wire).serialize()
    strip = lambda a: {k: v for k, v in a.items() if k != "entities"}
    assert strip(back) == strip(wire), (back, wire)
    assert [e["type"] for e in back.get("entities", [])] == [e["type"] for e in wire.get("entities", [])]
    return wire


def make_teams():
    from botbuilder.schema import Activity, ActivityTypes, Attachment, ChannelAccount, ConversationAccount, Mention

    tenant = "acme"
    aad_tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    service_url = "https://smba.trafficmanager.net/emea/"
    bot = ChannelAccount(id="28:6d0b8c1e-4f7e-4c3b-9a54-0f5a1e2b3c4d", name="Greentic")
    user = ChannelAccount(id="user-123", name="Ada Lovelace", aad_object_id="a1b2c3d4-0000-4000-8000-00000000a0da")
    team_channel = "19:6f1c0a2b3d4e4f5a8b9c0d1e2f3a4b5c@thread.tacv2"
    team = "19:0e5f1a2b3c4d4e5f8a9b0c1d2e3f4a5b@thread.tacv2"
    channel_data = {
        "teamsChannelId": team_channel,
        "teamsTeamId": team,
        "channel": {"id": team_channel},
        "team": {"id": team},
        "tenant": {"id": aad_tenant},
    }
    mention = Mention(mentioned=bot, text="<at>Greentic</at>", type="mention")

    def timestamp(micro):
        return datetime.datetime(2026, 1, 1, 11, 59, 30, micro, tzinfo=UTC)

    def fixture(name, what, activity, ignored=False):
        wire = serialize_activity(activity)
        write_fixture("teams", name, tenant, what, wire, expect_teams(tenant, wire), ignored_expected=ignored)

    fixture("message",
            "channel message replying to `thread-xyz` from `user-123` (tenant acme): key `acme:teams:thread-xyz:user-123`; team/channel ids from channelData; one image attachment; whole channelData and serviceUrl in channel_data; timestamp with microseconds",
            Activity(
                type=ActivityTypes.message,
                id="1767268770123",
                timestamp=timestamp(123456),
                service_url=service_url,
                channel_id="msteams",
                from_property=user,
                conversation=ConversationAccount(id=f"{team_channel};messageid=thread-xyz", conversation_type="channel", is_group=True, tenant_id=aad_tenant),
                recipient=bot,
                text_format="plain",
                locale="en-US",
                text="<at>Greentic</at> here is the diagram",
                attachments=[Attachment(content_type="image/png", content_url="https://us-api.asm.skype.com/v1/objects/0-weu-d1-diagram/views/imgo", name="diagram.png")],
                entities=[mention],
                channel_data=channel_data,
                reply_to_id="thread-xyz",
            ))

    fixture("message_no_reply",
            "personal (1:1) message, no replyToId: no thread/event id, anchor = conversation.id, no team/channel; whole-second timestamp (`.000Z` → no fraction)",
            Activity(
                type=ActivityTypes.message,
                id="1767268771000",
                timestamp=timestamp(0),
                service_url=service_url,
                channel_id="msteams",
                from_property=user,
                conversation=ConversationAccount(id="a:1XyZpersonalChat0123456789", conversation_type="personal", tenant_id=aad_tenant),
                recipient=bot,
                text_format="plain",
                locale="en-GB",
                text="hi there",
                channel_data={"tenant": {"id": aad_tenant}},
            ))

    fixture("message_html",
            "message carrying a `text/html` attachment with string `content`: the string goes to `data_inline_b64` as is (type `file`); milliseconds timestamp",
            Activity(
                type=ActivityTypes.message,
                id="1767268772500",
                timestamp=timestamp(500000),
                service_url=service_url,
                channel_id="msteams",
                from_property=user,
                conversation=ConversationAccount(id="a:1XyZpersonalChat0123456789", conversation_type="personal", tenant_id=aad_tenant),
                recipient=bot,
                text_format="plain",
                locale="en-GB",
                text="hello world",
                attachments=[Attachment(content_type="text/html", content="<p>hello <b>world</b></p>")],
                channel_data={"tenant": {"id": aad_tenant}},
            ))

    fixture("conversation_update",
            "`conversationUpdate` (the bot added to a team): not a message, 202 with no flow",
            Activity(
                type=ActivityTypes.conversation_update,
                id="f:8f1d2c3b-0000-4000-8000-000000000001",
                timestamp=timestamp(0),
                service_url=service_url,
                channel_id="msteams",
                from_property=user,
                conversation=ConversationAccount(id=team_channel, conversation_type="channel", is_group=True, tenant_id=aad_tenant),
                recipient=bot,
                members_added=[bot],
                channel_data={"team": {"id": team, "name": "Greentic"}, "eventType": "teamMemberAdded", "tenant": {"id": aad_tenant}},
            ), ignored=True)


def make_webchat():
    from botbuilder.schema import Activity, ActivityTypes, Attachment, ChannelAccount, ConversationAccount

    tenant = "demo"
    user = ChannelAccount(id="user-123", name="Ada", role="user")
    bot = ChannelAccount(id="greentic-bot", name="Greentic", role="bot")
    conversation = ConversationAccount(id="conv-abc")

    def fixture(name, what, activity, ignored=False):
        wire = serialize_activity(activity)
        write_fixture("webchat", name, tenant, what, wire, expect_webchat(tenant, wire), ignored_expected=ignored)

    fixture("message",
            "message from `user-123` in `conv-abc` with a PNG first attachment, no serviceUrl (answered inline), no timestamp (→ now): key `demo:webchat:conv-abc:user-123`, scopes attachments+chat; Web Chat's channelData kept",
            Activity(
                type=ActivityTypes.message,
                id="conv-abc|0000001",
                channel_id="webchat",
                from_property=user,
                conversation=conversation,
                locale="en-US",
                text_format="plain",
                text="here is my screenshot",
                attachments=[Attachment(content_type="image/png", content_url="https://webchat.example.com/blobs/screenshot.png", name="screenshot.png")],
                channel_data={"clientActivityID": "1767268800000x7k2p9q", "clientTimestamp": "2026-01-01T12:00:00.000Z"},
            ))

    fixture("card",
            "an attachment with contentType `application/json` (object content): type `card`, no url, no inline data; no text (null), no channelData (→ {})",
            Activity(
                type=ActivityTypes.message,
                id="conv-abc|0000002",
                timestamp=datetime.datetime(2026, 1, 1, 12, 1, 0, tzinfo=UTC),
                channel_id="webchat",
                from_property=user,
                conversation=conversation,
                locale="en-US",
                attachments=[Attachment(content_type="application/json", content={"kind": "order", "order_id": "A-1001", "items": [{"sku": "tea", "qty": 2}]})],
            ))

    fixture("with_service_url",
            "message through the Bot Framework Web Chat channel (has `serviceUrl`): accepted 202, replies through the connector; millisecond timestamp",
            Activity(
                type=ActivityTypes.message,
                id="conv-abc|0000003",
                timestamp=datetime.datetime(2026, 1, 1, 12, 2, 0, 250000, tzinfo=UTC),
                service_url="https://webchat.botframework.com/",
                channel_id="webchat",
                from_property=user,
                conversation=conversation,
                recipient=bot,
                locale="en-US",
                text_format="plain",
                text="hello through the connector",
                channel_data={"clientActivityID": "1767268920000a1b2c3d"},
            ))

    fixture("typing",
            "a `typing` activity: not a message, 202 with no flow",
            Activity(type=ActivityTypes.typing, id="conv-abc|0000004", channel_id="webchat", from_property=user, conversation=conversation),
            ignored=True)


# ------------------------------------------------------------------------------------------------
# Webex: notifications in the WebhookEvent shape (webexpythonsdk parses them), GET /messages/{id}
# answers as the Message model, dates in the SDK's WebexDateTime format.
# ------------------------------------------------------------------------------------------------

def webex_id(kind: str, uuid: str) -> str:
    return base64.b64encode(f"ciscospark://us/{kind}/{uuid}".encode()).decode().rstrip("=")


def make_webex():
    from webexpythonsdk.models.immutable import Message, WebhookEvent
    from webexpythonsdk.utils import WebexDateTime, ZuluTimeZone

    tenant = "cisco"

    def date(*args):
        text = str(WebexDateTime(*args, tzinfo=ZuluTimeZone()))  # 2026-01-01T12:00:00.000Z
        assert WebexDateTime.strptime(text) is not None
        return text

    org = "OTZhYmMyYWEtM2RjYy0xMWU1LWExNTItZmUzNDgxOWNkYzlh"
    bot_person = webex_id("PEOPLE", "0b0b0b0b-0000-4000-8000-00000000b07a")
    app = webex_id("APPLICATION", "C2fd4bc1e3e6a4b2f8c1d0e9f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b")
    group_room = webex_id("ROOM", "bbceb1ad-43f1-3b58-9147-f14bb0c4d154")
    direct_room = webex_id("ROOM", "d1d1d1d1-0000-4000-8000-0000000d1ec0")
    file_url = "https://webexapis.com/v1/contents/Y2lzY29zcGFyazovL3VzL0NPTlRFTlQvZmlsZS0wMDAx/0"

    def notification(webhook_uuid, name, resource, event, data, *, filter_=None):
        body = {
            "id": webex_id("WEBHOOK", webhook_uuid),
            "name": name,
            "targetUrl": "https://runner.example.com/webex/webhook",
            "resource": resource,
            "event": event,
            "orgId": org,
            "createdBy": bot_person,
            "appId": app,
            "ownedBy": "creator",
            "status": "active",
            "created": date(2025, 11, 10, 8, 15, 30, 250000),  # when the webhook was registered
            "actorId": data.get("personId", bot_person),
            "data": data,
        }
        if filter_ is not None:
            body["filter"] = filter_
        parsed = WebhookEvent(body)  # the SDK's model reads it
        assert (parsed.resource, parsed.event, parsed.data.id) == (resource, event, data["id"])
        return body

    def fetched(message_json):
        parsed = Message(message_json)
        assert parsed.id and parsed.roomId and parsed.created is not None
        return message_json

    def fixture(name, what, body, message_json, ignored=False):
        if message_json is not None:
            write_text("webex", f"{name}.message.json", dumps(message_json))
        write_fixture("webex", name, tenant, what, body, expect_webex(tenant, body, message_json), ignored_expected=ignored)

    message_id = webex_id("MESSAGE", "92db3be0-43bd-11e6-8ae9-dd5b3dfc565d")
    created = date(2026, 1, 1, 11, 58, 0, 0)
    data = {
        "id": message_id,
        "roomId": group_room,
        "roomType": "group",
        "parentId": "parent-789",
        "personId": "person-456",
        "personEmail": "ada@example.com",
        "mentionedPeople": [bot_person],
        "files": [file_url],
        "created": created,
    }
    message_json = fetched({
        "id": message_id,
        "parentId": "parent-789",
        "roomId": group_room,
        "roomType": "group",
        "text": "Greentic here is the report",
        "html": f"<p><spark-mention data-object-type=\"person\" data-object-id=\"{bot_person}\">Greentic</spark-mention> here is the report</p>",
        "files": [file_url],
        "personId": "person-456",
        "personEmail": "ada@example.com",
        "mentionedPeople": [bot_person],
        "created": created,
    })
    fixture("message_created",
            "`messages`/`created` in a thread (parentId `parent-789`, personId `person-456`, one file): key `cisco:webex:parent-789:person-456`, attachment = the file URL, text from the fetched message (`.message.json`), timestamp = the notification's top-level `created`",
            notification("f4e60560-6602-4fb0-a25a-94988160a001", "Messages to Greentic", "messages", "created", data, filter_="mentionedPeople=me"),
            message_json)

    message_id = webex_id("MESSAGE", "a0a0a0a0-43bd-11e6-8ae9-dd5b3dfc0002")
    created = date(2026, 1, 1, 11, 59, 0, 0)
    data = {
        "id": message_id,
        "roomId": direct_room,
        "roomType": "direct",
        "personId": "person-456",
        "personEmail": "ada@example.com",
        "created": created,
    }
    message_json = fetched({
        "id": message_id,
        "roomId": direct_room,
        "roomType": "direct",
        "text": "hello greentic",
        "personId": "person-456",
        "personEmail": "ada@example.com",
        "created": created,
    })
    fixture("room_message",
            "`messages`/`created` in a 1:1 room, no parentId, no files: anchor = roomId, scopes chat",
            notification("f4e60560-6602-4fb0-a25a-94988160a002", "Direct messages", "messages", "created", data),
            message_json)

    data = {
        "id": webex_id("MEMBERSHIP", "0c0c0c0c-0000-4000-8000-000000000003"),
        "roomId": group_room,
        "roomType": "group",
        "personId": bot_person,
        "personEmail": "greentic@webex.bot",
        "personDisplayName": "Greentic",
        "personOrgId": org,
        "isModerator": False,
        "isMonitor": False,
        "created": date(2026, 1, 1, 11, 57, 0, 0),
    }
    fixture("membership_created",
            "`memberships`/`created` (the bot added to a room): 202, no flow",
            notification("f4e60560-6602-4fb0-a25a-94988160a003", "Memberships", "memberships", "created", data),
            None, ignored=True)


# ------------------------------------------------------------------------------------------------
# WhatsApp Cloud API: the documented webhook shapes, each read by pywa's own update handling
# (signature validator plus the dispatcher to its typed handlers).
# ------------------------------------------------------------------------------------------------

WA_PHONE_ID = "106540352242922"
WA_DISPLAY = "15550783881"
WA_WABA = "102290129340398"
WA_USER = "447700900123"
WA_BSUID = "GB.13491208655302741918"


def wamid(n: int) -> str:
    """A message id in the Cloud API's form (`wamid.` + base64), fixed per `n`."""
    return "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0VCMD" + base64.b64encode(f"{n:012d}".encode()).decode()


class PywaCheck:
    """pywa parses each fixture: the body must pass its X-Hub-Signature-256 validator and reach the
    handler of the expected update type (one body per message: pywa dispatches messages[0] only)."""

    def __init__(self):
        from pywa import WhatsApp

        self.secret = "fixture-app-secret"
        self.wa = WhatsApp(phone_id=WA_PHONE_ID, token="fixture-token", server=None, verify_token="fixture-verify", app_secret=self.secret, validate_updates=True)
        self.seen = []
        self.wa.on_message()(lambda _, m: self.seen.append(("message", m.type, m.id)))
        self.wa.on_callback_button()(lambda _, c: self.seen.append(("callback_button", c.data, c.title)))
        self.wa.on_callback_selection()(lambda _, c: self.seen.append(("callback_selection", c.data, c.title)))
        self.wa.on_message_status()(lambda _, s: self.seen.append(("status", s.status, s.id)))
        assert self.wa.webhook_challenge_handler("fixture-verify", "1158201444") == ("1158201444", 200)

    def parse(self, body: dict) -> tuple:
        import hashlib
        import hmac

        raw = json.dumps(body).encode()
        signature = "sha256=" + hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
        assert self.wa.webhook_update_validator(raw, signature) is None
        self.seen.clear()
        assert self.wa.webhook_update_handler(raw) == ("ok", 200)
        assert len(self.seen) == 1, f"pywa did not parse the update: {self.seen}"
        return self.seen[0]


def make_whatsapp():
    tenant = "zain-kuwait"
    pywa = PywaCheck()
    contact = {"profile": {"name": "Sara"}, "wa_id": WA_USER, "user_id": WA_BSUID}

    def body(value_extra):
        value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": WA_DISPLAY, "phone_number_id": WA_PHONE_ID}}
        value.update(value_extra)
        return {"object": "whatsapp_business_account", "entry": [{"id": WA_WABA, "changes": [{"value": value, "field": "messages"}]}]}

    def check_each(full):
        for message in full["entry"][0]["changes"][0]["value"]["messages"]:
            single = body({"contacts": [contact], "messages": [message]})
            kind = pywa.parse(single)
            expected = {"interactive": {"button_reply": "callback_button", "list_reply": "callback_selection"}, "button": "callback_button"}.get(message["type"], "message")
            if isinstance(expected, dict):
                expected = expected[message["interactive"]["type"]]
            assert kind[0] == expected, (message["type"], kind)

    def fixture(name, what, messages):
        full = body({"contacts": [contact], "messages": messages})
        check_each(full)
        expected = expect_whatsapp(tenant, full)
        assert len(expected) == 1
        write_fixture("whatsapp", name, tenant, what, full, expected[0])

    def msg(n, seconds, type_, content, context=None):
        m = {"from": WA_USER, "id": wamid(n), "timestamp": str(seconds), "type": type_, type_: content}
        if context:
            m["context"] = context
        return m

    t0 = 1767268800  # 2026-01-01T12:00:00Z
    bot_message = {"from": WA_DISPLAY, "id": wamid(900)}
    fixture("text", "text from 447700900123: key `zain-kuwait:whatsapp:447700900123:447700900123`, timestamp from the epoch seconds",
            [msg(1, t0 + 60, "text", {"body": "hello"})])
    fixture("button_reply", "interactive `button_reply` (id `yes`, title `Yes`): text = title, one button with payload = id",
            [msg(2, t0 + 120, "interactive", {"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes"}}, bot_message)])
    fixture("list_reply", "interactive `list_reply` (with a description): text = title, one button",
            [msg(3, t0 + 180, "interactive", {"type": "list_reply", "list_reply": {"id": "plan-gold", "title": "Gold plan", "description": "10 GB, 5 KWD"}}, bot_message)])
    fixture("template_button", "template quick-reply `button` (payload/text): as an interactive reply, id = payload, title = text (decision, see below)",
            [msg(4, t0 + 240, "button", {"payload": "STOP_PROMOTIONS", "text": "Stop promotions"}, bot_message)])
    fixture("image", "inbound image (id, caption, mime_type, sha256, no link): attachment image, name = caption, url null, mime null",
            [msg(5, t0 + 300, "image", {"caption": "my receipt", "mime_type": "image/jpeg", "sha256": "Ak1rZ8xJmM6nUz1VgbKW1m8Yb4Q5Zg3u9oO3QkZyJ2Q=", "id": "1479537139650973"})])
    fixture("document", "inbound document (filename): attachment type file, name = filename",
            [msg(6, t0 + 360, "document", {"filename": "invoice-1001.pdf", "mime_type": "application/pdf", "sha256": "p0F7Zq7Q8a2n0mJ9s3Yw1rJpXb4Yt6V2dK9cQe1gH5U=", "id": "1003383421387256"})])
    fixture("audio", "voice note (audio, no caption): attachment audio with no name",
            [msg(7, t0 + 420, "audio", {"mime_type": "audio/ogg; codecs=opus", "sha256": "Jq9uT4Jm0fK1Yx2c3V4b5N6m7L8k9J0h1G2f3D4s5A6=", "id": "1228366475085433", "voice": True})])
    fixture("location", "location with a name: text = the name",
            [msg(8, t0 + 480, "location", {"latitude": 29.3759, "longitude": 47.9774, "name": "Kuwait Towers", "address": "Arabian Gulf St, Kuwait City"})])

    full = body({"contacts": [contact], "messages": [msg(9, t0 + 540, "text", {"body": "first"}), msg(10, t0 + 541, "text", {"body": "شكرا"})]})
    check_each(full)
    expected = expect_whatsapp(tenant, full)
    assert len(expected) == 2
    write_text("whatsapp", "batch.json", dumps(full))
    for i, payload in enumerate(expected):
        write_text("whatsapp", f"batch.{i}.expected.json", dumps(payload))
    record("whatsapp", "batch", tenant, "two messages in one body: two events, `batch.0.expected.json` and `batch.1.expected.json` (raw = the whole body each; non-ASCII text)")

    statuses = body({
        "contacts": [contact],
        "statuses": [{
            "id": wamid(901),
            "status": "delivered",
            "timestamp": str(t0 + 600),
            "recipient_id": WA_USER,
            "recipient_user_id": WA_BSUID,
            "conversation": {"id": "8b2c1a0f9e8d7c6b5a4f3e2d1c0b9a8f", "origin": {"type": "service"}},
            "pricing": {"billable": True, "pricing_model": "PMP", "category": "service", "type": "regular"},
        }],
    })
    assert pywa.parse(statuses)[0] == "status"
    write_fixture("whatsapp", "statuses", tenant, "a status callback only (delivered): 200, no flow", statuses, expect_whatsapp(tenant, statuses) or None, ignored_expected=True)


# ------------------------------------------------------------------------------------------------
# README
# ------------------------------------------------------------------------------------------------

README_HEAD = f"""# Channel fixtures

Written by `scripts/make-channel-fixtures.py` with the providers' official SDKs (versions pinned in
`scripts/fixtures-requirements.txt`); do not edit by hand, rerun the script:

    python3 -m venv .venv-fixtures && .venv-fixtures/bin/pip install -r scripts/fixtures-requirements.txt
    .venv-fixtures/bin/python scripts/make-channel-fixtures.py

Per fixture `<name>` in `<provider>/`:

| file | what |
|---|---|
| `<name>.json` | the exact request body the provider POSTs |
| `<name>.form` | Slack interactivity: the raw `application/x-www-form-urlencoded` body `payload=<JSON>` |
| `<name>.message.json` | Webex: the body of the `GET /messages/{{data.id}}` answer (the fake Webex API serves it) |
| `<name>.expected.json` | the canonical payload (reference §8.2) the flow must get; WhatsApp batches: `<name>.<i>.expected.json` in message order |
| `<name>.ignored` | empty: the request is answered (200/202/204) without running a flow |
| `<name>.challenge` | Slack `url_verification`: the challenge to echo, without a newline |

The expected payloads come from a small oracle in the script that follows `docs/channels.md`
("Ingress, per provider") literally and reads only the JSON bodies.

**Now.** Where the mapping uses "now" (every Telegram timestamp, a missing `timestamp`), the
expected payloads use the fixed instant **`{NOW_TEXT}`**: tests must pin the runner's clock
(`receivedAt`) to it. Timestamps are chrono's `to_rfc3339()`: `+00:00`, and a fraction only when
non-zero, with 3, 6 or 9 digits.

**Headers** are not part of the fixtures: sign each body when sending it (Slack `v0=` HMAC-SHA256 over
`v0:{{ts}}:{{raw body}}`, Webex `X-Spark-Signature` hex HMAC-SHA1, WhatsApp `X-Hub-Signature-256`, Teams
a Bot Framework JWT, WebChat the bearer token, Telegram the secret-token header). `metadata.raw_headers`
stays `{{}}` whatever the headers are.
"""

README_DECISIONS = """
## Decisions where docs/channels.md leaves a detail open

Each follows the reference (§8.2, §8.4; the original adapters where §8.4 is silent) unless noted.

- **Text fields.** The doc lists no `text` for Slack events, Teams and WebChat: it is `event.text` / the
  activity's `text` (null when absent), and `locale` is `event.locale` / the activity's `locale`. Telegram,
  Webex and WhatsApp have `locale: null`.
- **Slack interactivity timestamp.** The doc gives none; the reference says "from `action_ts`". A real
  `block_actions` payload has `action_ts` only on each action, so the oracle takes
  `actions[0].action_ts`, then a top-level `action_ts`, then now, in whole seconds. (The original read the
  top-level field only, which real payloads never have, so it always used now.) `raw` for
  interactivity is the decoded `payload` JSON, not the form body; `message_id` is not set.
- **Slack buttons** take only `elements[]` of type `button` directly under a block (an `actions` block);
  rich-text elements and buttons in a section's `accessory` are not buttons. A missing `action_id`
  gives `""` (as the original).
- **Teams/WebChat attachments.** The Bot Framework `Attachment` has no `size`, so `size` is 0; a string
  `content` goes to `data_inline_b64` unchanged even though it is not base64 (`teams/message_html`);
  object content is dropped (null). Teams: `channel_data.channel_data` is the whole `channelData` object
  (the original kept only `team`/`tenant`/`channel`). WebChat ids are only conversation, user, message
  and event (no team/channel/thread, even with a `replyToId`).
- **Webex.** `text` comes from the fetched message (`.message.json`); the attachments come from the
  notification's `data.files` (the fetched message carries the same list here, so either source passes);
  `user_id` = `data.personId ?? data.personEmail`; `channel_data.roomType` = `data.roomType`; the
  timestamp is **`data.created`** (when the message was sent), else the top-level `created` (which in
  Webex is when the webhook was registered: the reference used it). Scopes `chat` (+`attachments`).
- **WhatsApp media** (original adapter): image/audio/video → that type, `name` = `caption`, `url` =
  `link` (inbound media carry an `id` only, so null), `mime` = `mime_type` (the original dropped it),
  `size` 0; document → `file`, `name` = `filename`; the template quick reply `button` (listed in
  the doc without its mapping) maps like an interactive reply: button `{id: payload, title: text,
  payload}` and `text` = its text (pywa reads it the same way: `CallbackButton(data=payload,
  title=text)`). Timestamp = the message's epoch seconds.
- **Telegram callback without a message** (an inline-mode button) is not covered: the doc needs
  `callback_query.message.chat.id`.

## What the SDKs serialise (kept as they are)

- python-telegram-bot writes `channel_chat_created`, `delete_chat_photo`, `group_chat_created`,
  `supergroup_chat_created` as `false` in every `Message`; Telegram itself omits them.
- botbuilder-schema writes `conversation.tenantID` (Teams itself sends `tenantId`), drops any
  `localTimestamp` offset (it writes UTC), gives at most microseconds (Teams sends 7 fraction digits),
  has no `size` on attachments, and reads `entities` back as the base `Entity` (type only).
- Webex: the bot's own person id (what `GET /people/me` answers) is the notifications' `createdBy`;
  `WebhookEvent` has no `created` property (only the `Webhook` registration model has one: "the date
  and time the webhook was created").
- pywa 4.5 requires `contacts[].user_id` (the business-scoped user id) on message and status
  callbacks, so every body carries one; it dispatches only `messages[0]`, so the `batch` body is
  checked one message at a time.
"""


def write_readme():
    lines = [README_HEAD, "## Fixtures\n"]
    titles = {"telegram": "Telegram (`POST /messaging/telegram/webhook`)", "slack": "Slack (`POST /slack/events`, `POST /slack/interactive` for `.form`)",
              "teams": "Teams (`POST /teams/activities`)", "webchat": "WebChat (`POST /webchat/activities`)",
              "webex": "Webex (`POST /webex/webhook`)", "whatsapp": "WhatsApp (`POST /whatsapp/webhook`)"}
    sdks = {"telegram": "python-telegram-bot `Update(...).to_dict()`, read back with `Update.de_json`",
            "slack": "Events API / interactivity shapes from Slack's docs; blocks and the modal built with `slack_sdk.models` (and parsed back)",
            "teams": "botbuilder-schema `Activity(...).serialize()`, read back with `Activity().deserialize`",
            "webchat": "botbuilder-schema `Activity(...).serialize()` with `channelId: webchat`",
            "webex": "notifications in the `WebhookEvent` shape and messages in the `Message` shape of webexpythonsdk (both parsed by the SDK); dates as `WebexDateTime`",
            "whatsapp": "Cloud API webhook shapes; each body passes pywa's `X-Hub-Signature-256` validator and reaches the matching pywa handler"}
    for provider in PROVIDERS:
        lines.append(f"### {titles[provider]}\n\nBuilt with {sdks[provider]}.\n\n| fixture | tenant | exercises |\n|---|---|---|")
        for name, tenant, what in README_ROWS[provider]:
            lines.append(f"| `{name}` | `{tenant}` | {what} |")
        lines.append("")
    (OUT / "README.md").write_text("\n".join(lines) + README_DECISIONS, encoding="utf-8")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for provider in PROVIDERS:
        shutil.rmtree(OUT / provider, ignore_errors=True)
        (OUT / provider).mkdir()
    make_telegram()
    make_slack()
    make_teams()
    make_webchat()
    make_webex()
    make_whatsapp()
    write_readme()
    for provider in PROVIDERS:
        print(provider, sorted(p.name for p in (OUT / provider).iterdir()))


if __name__ == "__main__":
    main()
