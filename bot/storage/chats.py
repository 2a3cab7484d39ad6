"""Chats, subscriptions and per-chat settings.

(Interface being written by the bot work; see bot/handlers.)
"""

from __future__ import annotations

from bot.storage.db import Database


class ChatRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
