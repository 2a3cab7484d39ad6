"""Daily digests: who is due (planner), what they get (builder, render), and delivery.

    schedule.py   local digest time -> next due instant in UTC, across days and DST
    builder.py    the new articles of a chat's tags, each once, grouped by tag
    render.py     HTML messages split between items, "read" and "more" buttons
    planner.py    claims due chats and writes their digests to the outbox
    ratelimit.py  token buckets for the overall, per-chat and per-group limits
    journal.py    group commit of send outcomes
    sender.py     one send and the meaning of each Telegram answer
    delivery.py   the delivery worker: lease, loading, senders, crash recovery
    service.py    the background workers of the bot process

Storage lives in :mod:`bot.storage.digests` and :mod:`bot.storage.outbox`; only delivery
(sender, delivery) talks to Telegram.
"""
