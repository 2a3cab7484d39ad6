"""Digests: who is due (planner) and what they get (builder, render).

    schedule.py     local digest times and weekdays -> next due instant in UTC, across DST
    fresh.py        the new articles of a planning pass, fetched once per tag and phrase
    window.py       a pass's window indexed by headline and lead words, for many phrases
    builder.py      a chat's front page: «Главное», then its tags' recent stories, each once
    render.py       HTML messages split between items; "read", outlets, «🔗» and "more" buttons
    planner.py      claims due chats and writes their digests to the outbox
    worker.py       the planner's loop in the bot process; pruning what was sent

Storage lives in :mod:`bot.storage.digests`, :mod:`bot.storage.outbox` and
:mod:`bot.storage.runs`; sending them is :mod:`bot.delivery`'s.
"""
