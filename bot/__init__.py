"""Svodka: a Telegram bot that turns news articles into tagged summaries and daily digests."""

__version__ = "0.1.0"
