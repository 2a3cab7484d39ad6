"""Daily digests: who is due (planner), what they get (builder, render), and delivery.

    schedule.py     local digest time -> next due instant in UTC, across days and DST
    fresh.py        the new articles of a planning pass, fetched once per tag
    builder.py      a chat's digest: the new articles of its tags, each once, by tag
    render.py       HTML messages split between items, "read" and "more" buttons
    planner.py      claims due chats and writes their digests to the outbox
    ratelimit.py    token buckets for the overall, per-chat and per-group limits
    concurrency.py  how many senders work at once
    journal.py      group commit of send outcomes
    telegram.py     the sendMessage request, lean enough for 1,000 messages a second
    sender.py       one send and the meaning of each Telegram answer
    delivery.py     the delivery worker: lease, loading, senders, crash recovery
    service.py      the background workers of the bot process

Storage lives in :mod:`bot.storage.digests`, :mod:`bot.storage.outbox` and
:mod:`bot.storage.runs`; only delivery (telegram, sender, delivery) talks to Telegram.
"""
