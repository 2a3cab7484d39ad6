"""Daily digests: who is due (planner) and what they get (builder, render).

    schedule.py     local digest time -> next due instant in UTC, across days and DST
    fresh.py        the new articles of a planning pass, fetched once per tag
    builder.py      a chat's digest: the new articles of its tags, each once, by tag
    render.py       HTML messages split between items, "read" and "more" buttons
    planner.py      claims due chats and writes their digests to the outbox

Storage lives in :mod:`bot.storage.digests`, :mod:`bot.storage.outbox` and
:mod:`bot.storage.runs`; sending them is :mod:`bot.delivery`'s.
"""
