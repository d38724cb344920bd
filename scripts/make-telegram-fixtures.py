#!/usr/bin/env python3
"""Writes the Telegram Update fixtures of Tests/RunnerHostTests/Fixtures/telegram with the
official python-telegram-bot objects, so the end-to-end tests post what Telegram really sends.

    python3 -m venv .venv-ptb && .venv-ptb/bin/pip install python-telegram-bot
    .venv-ptb/bin/python scripts/make-telegram-fixtures.py
"""
import datetime
import json
import pathlib

from telegram import Chat, Message, MessageEntity, Update, User

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/RunnerHostTests/Fixtures/telegram"
DATE = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)
ADA = User(id=777, first_name="Ada", is_bot=False, language_code="en")
CHAT = Chat(id=4242, type=Chat.PRIVATE, first_name="Ada")


def text_update(update_id, message_id, text, entities=()):
    message = Message(message_id=message_id, date=DATE, chat=CHAT, from_user=ADA, text=text, entities=list(entities))
    return Update(update_id=update_id, message=message)


def write(name, update):
    payload = update.to_dict()
    # Round trip through the library's parser to be sure the fixture is a valid Update.
    assert Update.de_json(payload, None).update_id == update.update_id
    (OUT / f"{name}.json").write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")


OUT.mkdir(parents=True, exist_ok=True)
write("start", text_update(1001, 1, "/start", [MessageEntity(type=MessageEntity.BOT_COMMAND, offset=0, length=6)]))
write("name", text_update(1002, 2, "Ada Lovelace"))
write("again", text_update(1003, 3, "hello again"))
edited = Update(update_id=1004, edited_message=Message(message_id=2, date=DATE, chat=CHAT, from_user=ADA, text="edited", edit_date=DATE))
write("edited", edited)
print("wrote", sorted(p.name for p in OUT.glob("*.json")))
