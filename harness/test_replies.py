"""One valid event per provider; the reply that reaches the fake provider API must be one the
provider's SDK (or, for WhatsApp, Meta's documented Cloud API shape) accepts, and it must be
sent exactly once.

The flow answers every message with `{"text": "echo <text>", "buttons": ["Yes", {"title":
"Docs", "url": "https://example.com/docs"}]}`.
"""

from __future__ import annotations

import datetime
import json
import time
import urllib.parse

import pytest
import telegram
from botbuilder.schema import Activity, CardAction, ChannelAccount, ConversationAccount, HeroCard
from slack_sdk.models.blocks import Block
from slack_sdk.signature import SignatureVerifier

from harness_lib import bf_claims, mint_rs256, unique, webex_signature, whatsapp_signature

REPLY_TIMEOUT = 15
QUIET_AFTER_REPLY = 1.0
DOCS_URL = "https://example.com/docs"


def await_single_reply(fake, pred, what: str):
    first = fake.wait_for(pred, REPLY_TIMEOUT)
    assert first is not None, f"no {what} reached the fake within {REPLY_TIMEOUT}s"
    time.sleep(QUIET_AFTER_REPLY)
    all_ = fake.requests(pred)
    print(f"\n{what}: {first.method} {first.path}\n  {first.headers}\n  {first.body.decode('utf-8', 'replace')}")
    assert len(all_) == 1, f"{what} sent {len(all_)} times: {[r.body[:200] for r in all_]}"
    return first


def posted(path_matches, field: str, value, body=lambda r: r.json()):
    """A request predicate: a POST whose path passes `path_matches` and whose body's `field`
    equals `value` (compared as text)."""
    def pred(r):
        if r.method != "POST" or not path_matches(r.norm_path):
            return False
        try:
            return str(body(r).get(field)) == str(value)
        except Exception:
            return False
    return pred


def assert_bearer(rec, token: str):
    assert rec.headers.get("authorization") == f"Bearer {token}", rec.headers.get("authorization")


# --------------------------------------------------------------------------------------- Slack
def check_slack(runner, fake):
    s = runner.secrets
    channel = unique("C")
    body = json.dumps({
        "token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
        "event_id": unique("Ev"), "event_time": int(time.time()),
        "event": {"type": "message", "channel": channel, "user": "U1", "text": "hi slack",
                  "ts": f"{time.time():.6f}", "channel_type": "channel"},
    })
    ts = str(int(time.time()))
    sig = SignatureVerifier(s.slack_signing_secret).generate_signature(timestamp=ts, body=body)
    resp = runner.post("/slack/events", body.encode(), {
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
    assert resp.status == 200, (resp.status, resp.body)

    is_reply = posted(lambda p: p == "/slack/api/chat.postMessage", "channel", channel, body=lambda r: r.payload())
    rec = await_single_reply(fake, is_reply, "Slack chat.postMessage")
    assert_bearer(rec, s.slack_bot_token)
    msg = rec.payload()
    assert msg.get("channel") == channel
    assert msg.get("text") == "echo hi slack", msg
    blocks = msg.get("blocks")
    if isinstance(blocks, str):  # form-encoded calls carry blocks as a JSON string
        blocks = json.loads(blocks)
    assert isinstance(blocks, list) and blocks, f"no blocks: {msg}"
    buttons = []
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None and type(parsed) is not Block, f"slack_sdk does not know block {raw}"
        assert parsed.to_dict() == raw, f"block does not round-trip through slack_sdk:\n sent {raw}\n sdk  {parsed.to_dict()}"
        if raw.get("type") == "actions":
            buttons += [e for e in raw.get("elements", []) if e.get("type") == "button"]
    assert any(b.get("value") == "Yes" and b["text"]["text"] == "Yes" for b in buttons), buttons
    assert any(b.get("url") == DOCS_URL and b["text"]["text"] == "Docs" for b in buttons), buttons


# ------------------------------------------------------------------------ Bot Framework replies
def bf_activity(runner, fake, channel_id: str) -> Activity:
    return Activity(
        type="message",
        id=unique("act"),
        channel_id=channel_id,
        service_url=f"{fake.base}/bf/",
        from_property=ChannelAccount(id=unique("29:user"), name="Ada"),
        recipient=ChannelAccount(id=f"28:{runner.secrets.microsoft_app_id}", name="harness bot"),
        conversation=ConversationAccount(id=unique("a:conv"), conversation_type="personal"),
        text=f"hi {channel_id}",
        timestamp=datetime.datetime.now(datetime.timezone.utc),
        locale="en-US",
    )


def check_bf_reply(runner, fake, incoming: Activity):
    conv, act_id = incoming.conversation.id, incoming.id
    path = f"/bf/v3/conversations/{conv}/activities/{act_id}"
    rec = await_single_reply(fake, lambda r: r.method == "POST" and r.norm_path == path,
                             f"Bot Framework reply to {path}")
    assert_bearer(rec, "bf-access")
    reply = Activity().deserialize(rec.json())
    assert reply.type == "message", reply.type
    assert reply.text == f"echo {incoming.text}", reply.text
    assert reply.reply_to_id == act_id, reply.reply_to_id
    heroes = [a for a in (reply.attachments or []) if a.content_type == "application/vnd.microsoft.card.hero"]
    assert len(heroes) == 1, f"expected one hero card, got {rec.json().get('attachments')}"
    card = HeroCard().deserialize(heroes[0].content)
    kinds = {(b.type, b.value, b.title) for b in (card.buttons or [])}
    assert ("imBack", "Yes", "Yes") in kinds, kinds
    assert ("openUrl", DOCS_URL, "Docs") in kinds, kinds
    for b in card.buttons:
        assert isinstance(b, CardAction)
    # The reply token came from the client-credentials endpoint.
    tokens = fake.requests(lambda r: r.method == "POST" and r.norm_path == "/bf/token")
    assert tokens, "no token request reached BOTFRAMEWORK_TOKEN_URL"
    form = tokens[-1].form()
    assert tokens[-1].headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    assert form.get("grant_type") == "client_credentials", form
    assert form.get("client_id") == runner.secrets.microsoft_app_id, form
    assert form.get("client_secret") == runner.secrets.microsoft_app_password, form
    assert form.get("scope") == "https://api.botframework.com/.default", form


def check_teams(runner, fake, rsa_key):
    act = bf_activity(runner, fake, "msteams")
    token = mint_rs256(rsa_key.private, rsa_key.kid, bf_claims(runner.secrets.microsoft_app_id, act.service_url))
    resp = runner.post("/teams/activities", json.dumps(act.serialize()).encode(),
                       {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    assert resp.status == 202, (resp.status, resp.body)
    check_bf_reply(runner, fake, act)


def check_webchat(runner, fake, rsa_key):
    # A page with the tenant's WEBCHAT_TOKEN gets its replies inline, whatever serviceUrl the
    # activity names: that token is public, so it must not steer the bot's credentials.
    page = bf_activity(runner, fake, "webchat")
    resp = runner.post("/webchat/activities", json.dumps(page.serialize()).encode(),
                       {"Content-Type": "application/json", "Authorization": f"Bearer {runner.secrets.webchat_token}"})
    assert resp.status == 200, (resp.status, resp.body)
    inline = [Activity().deserialize(a) for a in json.loads(resp.body)["activities"]]
    assert [a.type for a in inline] == ["message"], inline
    assert inline[0].text == f"echo {page.text}", inline[0].text
    # The Bot Framework's Web Chat channel signs with its JWT; replies go through the connector.
    act = bf_activity(runner, fake, "webchat")
    token = mint_rs256(rsa_key.private, rsa_key.kid, bf_claims(runner.secrets.microsoft_app_id, act.service_url))
    resp = runner.post("/webchat/activities", json.dumps(act.serialize()).encode(),
                       {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    assert resp.status == 202, (resp.status, resp.body)
    check_bf_reply(runner, fake, act)
    page_path = f"/bf/v3/conversations/{page.conversation.id}/activities/{page.id}"
    assert not fake.requests(lambda r: r.norm_path == page_path), "the page's activity reached the connector"


# ------------------------------------------------------------------------------------ Telegram
def check_telegram(runner, fake):
    s = runner.secrets
    chat_id = int(time.time() * 1000) % 1_000_000_000 + 1000
    update = telegram.Update(
        update_id=int(time.time() * 1000) % 2_000_000_000,
        message=telegram.Message(
            message_id=7,
            date=datetime.datetime.now(datetime.timezone.utc),
            chat=telegram.Chat(id=chat_id, type="private", first_name="Ada"),
            from_user=telegram.User(id=chat_id, first_name="Ada", is_bot=False),
            text="hi telegram",
        ),
    )
    resp = runner.post("/messaging/telegram/webhook", json.dumps(update.to_dict()).encode(), {
        "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": s.telegram_webhook_secret})
    assert resp.status == 200, (resp.status, resp.body)

    is_reply = posted(lambda p: p.startswith("/telegram/bot"), "chat_id", chat_id, body=lambda r: r.payload())
    rec = await_single_reply(fake, is_reply, "Telegram reply")
    assert rec.norm_path == f"/telegram/bot{s.telegram_bot_token}/sendMessage", rec.path
    msg = rec.payload()
    assert str(msg["chat_id"]) == str(chat_id), msg
    assert msg.get("text") == "echo hi telegram", msg
    markup_raw = msg.get("reply_markup")
    if isinstance(markup_raw, str):
        markup_raw = json.loads(markup_raw)
    markup = telegram.InlineKeyboardMarkup.de_json(markup_raw, None)
    assert markup is not None, msg
    buttons = [b for row in markup.inline_keyboard for b in row]
    assert len(buttons) == 2, buttons
    for b, raw in zip(buttons, [b for row in markup_raw["inline_keyboard"] for b in row]):
        # Telegram requires exactly one optional field per button.
        assert len(set(raw) - {"text"}) == 1, raw
    yes = [b for b in buttons if b.callback_data == "Yes"]
    assert yes and yes[0].text == "Yes", buttons
    docs = [b for b in buttons if b.url == DOCS_URL]
    assert docs and docs[0].text == "Docs", buttons


# --------------------------------------------------------------------------------------- Webex
def check_webex(runner, fake):
    s = runner.secrets
    msg_id, room = unique("M"), unique("R")
    fake.webex_messages[msg_id] = {
        "id": msg_id, "roomId": room, "roomType": "direct", "text": "hi webex",
        "personId": "P-ada", "personEmail": "ada@example.com",
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    body = json.dumps({
        "id": unique("wh"), "name": "greentic", "targetUrl": f"{runner.base}/webex/webhook",
        "resource": "messages", "event": "created", "orgId": "O1", "createdBy": "P-bot", "appId": "A1",
        "ownedBy": "creator", "status": "active", "actorId": "P-ada",
        "created": "2026-01-01T00:00:00.000Z",
        "data": {"id": msg_id, "roomId": room, "roomType": "direct", "personId": "P-ada",
                 "personEmail": "ada@example.com", "created": fake.webex_messages[msg_id]["created"]},
    }).encode()
    resp = runner.post("/webex/webhook", body, {
        "Content-Type": "application/json", "X-Spark-Signature": webex_signature(s.webex_webhook_secret, body)})
    assert resp.status == 202, (resp.status, resp.body)

    is_reply = posted(lambda p: p == "/webex/messages", "roomId", room)
    rec = await_single_reply(fake, is_reply, "Webex POST /messages")
    assert_bearer(rec, s.webex_bot_token)
    fetched = fake.requests(lambda r: r.method == "GET" and r.norm_path == f"/webex/messages/{msg_id}")
    assert fetched, "the runner never fetched the message text"
    assert_bearer(fetched[0], s.webex_bot_token)
    msg = rec.json()
    assert msg["roomId"] == room
    assert msg.get("text") == "echo hi webex", msg
    atts = msg.get("attachments") or []
    assert len(atts) == 1, f"Webex takes exactly one card attachment: {atts}"
    assert atts[0].get("contentType") == "application/vnd.microsoft.card.adaptive", atts[0]
    card = atts[0].get("content") or {}
    assert card.get("type") == "AdaptiveCard" and card.get("version"), card
    # Webex renders Adaptive Cards up to schema 1.3; a newer version is refused.
    assert tuple(int(x) for x in str(card["version"]).split(".")) <= (1, 3), card["version"]
    actions = card.get("actions") or []
    submits = [a for a in actions if a.get("type") == "Action.Submit"]
    assert any(a.get("title") == "Yes" for a in submits), actions
    assert any(a.get("type") == "Action.OpenUrl" and a.get("url") == DOCS_URL for a in actions) or \
        DOCS_URL in msg.get("text", "") + json.dumps(card.get("body", [])), f"the Docs link is lost: {msg}"


# ------------------------------------------------------------------------------------ WhatsApp
def check_whatsapp(runner, fake):
    s = runner.secrets
    phone_id, sender = "1555000", str(4915100000000 + int(time.time()) % 100000)
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "W1", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550000000", "phone_number_id": phone_id},
            "contacts": [{"profile": {"name": "Ada"}, "wa_id": sender}],
            "messages": [{"from": sender, "id": unique("wamid.in"), "timestamp": str(int(time.time())),
                          "type": "text", "text": {"body": "hi whatsapp"}}]}}]}]}).encode()
    resp = runner.post("/whatsapp/webhook", body, {
        "Content-Type": "application/json", "X-Hub-Signature-256": whatsapp_signature(s.whatsapp_app_secret, body)})
    assert resp.status == 202, (resp.status, resp.body)

    is_reply = posted(lambda p: p == f"/wa/{phone_id}/messages", "to", sender)
    rec = await_single_reply(fake, is_reply, "WhatsApp /messages")
    assert_bearer(rec, s.whatsapp_access_token)
    assert rec.headers.get("content-type", "").startswith("application/json")
    validate_whatsapp_message(rec.json(), sender)


def validate_whatsapp_message(m: dict, to: str):
    """Meta's Cloud API rules for a text or interactive (reply buttons / list) message."""
    assert m.get("messaging_product") == "whatsapp", m
    assert m.get("to") == to, m
    assert m.get("recipient_type", "individual") == "individual", m
    t = m.get("type", "text")
    if t == "text":
        body = m["text"]["body"]
        assert isinstance(body, str) and 0 < len(body) <= 4096, m
        assert "echo hi whatsapp" in body, m
        return
    assert t == "interactive", m
    it = m["interactive"]
    assert 0 < len(it["body"]["text"]) <= 1024 and "echo hi whatsapp" in it["body"]["text"], it
    if it["type"] == "button":
        buttons = it["action"]["buttons"]
        assert 1 <= len(buttons) <= 3, buttons
        for b in buttons:
            assert b["type"] == "reply", b
            assert 0 < len(b["reply"]["id"]) <= 256 and 0 < len(b["reply"]["title"]) <= 20, b
        assert len({b["reply"]["id"] for b in buttons}) == len(buttons), "reply ids must be unique"
        assert len({b["reply"]["title"] for b in buttons}) == len(buttons), "titles must be unique"
        assert any(b["reply"]["title"] == "Yes" for b in buttons), buttons
    elif it["type"] == "list":
        action = it["action"]
        assert 0 < len(action["button"]) <= 20, action
        sections = action["sections"]
        assert 1 <= len(sections) <= 10, sections
        rows = [r for sec in sections for r in sec["rows"]]
        assert 1 <= len(rows) <= 10, rows
        for r in rows:
            assert 0 < len(r["id"]) <= 200 and 0 < len(r["title"]) <= 24, r
            assert len(r.get("description", "")) <= 72, r
    elif it["type"] == "cta_url":
        p = it["action"]["parameters"]
        assert p["url"].startswith("https://") and 0 < len(p["display_text"]) <= 20, p
    else:
        raise AssertionError(f"unknown interactive type: {it}")


# ------------------------------------------------------------------------------------- the test
PROVIDERS = ["slack", "teams", "telegram", "webchat", "webex", "whatsapp"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_replies_are_valid_for_the_sdks(provider, runner, fake, rsa_key):
    if provider == "slack":
        check_slack(runner, fake)
    elif provider == "teams":
        check_teams(runner, fake, rsa_key)
    elif provider == "telegram":
        check_telegram(runner, fake)
    elif provider == "webchat":
        check_webchat(runner, fake, rsa_key)
    elif provider == "webex":
        check_webex(runner, fake)
    elif provider == "whatsapp":
        check_whatsapp(runner, fake)
