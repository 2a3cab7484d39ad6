"""Delivery: every message the bot sends, paced under Telegram's limits, digests through crashes.

    pacing.py       token buckets for the overall, per-chat and per-group limits; one
                    :class:`~bot.delivery.pacing.Pacer` per process, replies before digests
    concurrency.py  how many digest senders work at once
    telegram.py     the one JSON POST to the Bot API; the lean digest ``sendMessage``
    journal.py      group commit of send outcomes
    sender.py       one send, and the outcome each Telegram answer means
    queues.py       the loaded rows per chat, handed to a sender when the chat may go
    worker.py       the delivery worker: lease, loading, senders, applying outcomes, recovery

Imports go one way: worker → sender → journal, pacing, telegram. Storage lives in
:mod:`bot.storage.outbox` and :mod:`bot.storage.runs`; the replies' side of the pacer is the
session middleware :class:`bot.middlewares.PacedRequests`.
"""
