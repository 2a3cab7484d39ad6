"""Append-only list of schema migrations; ``PRAGMA user_version`` counts the applied ones.

Never edit a migration that has been released: add a new one at the end. Times are stored
as integer Unix seconds in UTC; booleans as 0/1.
"""

from __future__ import annotations

V1_BASE = """
-- Articles: one row per article; dedup_key is 'url:<url>' or 'td:<date>:<normalised title>'.
CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    dedup_key     TEXT    NOT NULL UNIQUE,
    content_hash  TEXT    NOT NULL,          -- of the cleaned article, to skip unchanged re-ingests
    url           TEXT,
    title         TEXT    NOT NULL,
    published     INTEGER NOT NULL,          -- Unix seconds, UTC
    date_only     INTEGER NOT NULL DEFAULT 1,
    rubric        TEXT,
    tags          TEXT    NOT NULL DEFAULT '[]',  -- JSON list of hashtags as written
    lead          TEXT    NOT NULL,
    brief         TEXT    NOT NULL,
    body          TEXT    NOT NULL,          -- cleaned paragraphs joined by blank lines
    author        TEXT,
    source        TEXT,
    ingested_at   INTEGER NOT NULL
);
CREATE INDEX articles_published ON articles (published DESC, id DESC);

-- Tags: hashtags and rubrics share one key space (see bot.text.tags.tag_key).
CREATE TABLE tags (
    id            INTEGER PRIMARY KEY,
    key           TEXT    NOT NULL UNIQUE,
    display       TEXT    NOT NULL,
    article_count INTEGER NOT NULL DEFAULT 0
);

-- published is copied here so that "latest for a tag" is one index range scan.
CREATE TABLE article_tags (
    tag_id      INTEGER NOT NULL REFERENCES tags (id),
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    published   INTEGER NOT NULL,
    PRIMARY KEY (tag_id, published, article_id)
) WITHOUT ROWID;
CREATE INDEX article_tags_article ON article_tags (article_id);

-- Full-text search over stemmed words (stemming is done in Python, see bot.text.stem).
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    words, tokenize = 'unicode61 remove_diacritics 0', detail = 'none'
);

-- Chats and their digest settings; NULL timezone/digest_time means "the defaults".
CREATE TABLE chats (
    id              INTEGER PRIMARY KEY,     -- Telegram chat id
    type            TEXT    NOT NULL DEFAULT 'private',
    title           TEXT,
    language        TEXT,
    timezone        TEXT,
    digest_time     TEXT,                    -- 'HH:MM'
    paused          INTEGER NOT NULL DEFAULT 0,
    active          INTEGER NOT NULL DEFAULT 1,
    next_digest_at  INTEGER,                 -- Unix seconds, UTC
    digest_cursor   INTEGER NOT NULL DEFAULT 0,  -- highest article id already in a digest
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX chats_due ON chats (next_digest_at) WHERE active = 1 AND paused = 0;

-- Subscriptions name a tag by key, so a chat may subscribe before the tag has articles.
CREATE TABLE subscriptions (
    chat_id     INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    tag_key     TEXT    NOT NULL,
    display     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, tag_key)
) WITHOUT ROWID;
CREATE INDEX subscriptions_tag ON subscriptions (tag_key);

-- Small facts for /stats: last ingest, last digest run …
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
"""

V1_DELIVERY = """
-- One row per digest run (planner + delivery), for logs and /stats.
CREATE TABLE digest_runs (
    id           INTEGER PRIMARY KEY,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    chats_due    INTEGER NOT NULL DEFAULT 0,
    messages     INTEGER NOT NULL DEFAULT 0,
    sent         INTEGER NOT NULL DEFAULT 0,
    retried      INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    deactivated  INTEGER NOT NULL DEFAULT 0
);

-- The durable outbox: a digest becomes rows here before anything is sent.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER REFERENCES digest_runs (id),
    chat_id       INTEGER NOT NULL,
    seq           INTEGER NOT NULL DEFAULT 0,      -- order within one digest
    text          TEXT    NOT NULL,                -- rendered HTML, at most 4096 characters
    reply_markup  TEXT,                            -- JSON
    status        TEXT    NOT NULL DEFAULT 'pending',  -- pending, sent, failed, dropped
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    INTEGER NOT NULL DEFAULT 0,      -- Unix seconds; retry backoff
    last_error    TEXT,
    message_id    INTEGER,
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER
);
CREATE INDEX outbox_pending ON outbox (not_before, id) WHERE status = 'pending';
CREATE INDEX outbox_chat ON outbox (chat_id, status);
"""

V1_FEEDS = """
-- RSS/Atom feeds polled while the bot runs.
CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY,
    url             TEXT    NOT NULL UNIQUE,
    title           TEXT,
    rubric          TEXT,
    tags            TEXT    NOT NULL DEFAULT '[]',  -- JSON list
    paused          INTEGER NOT NULL DEFAULT 0,
    interval_s      INTEGER,                 -- NULL: FEED_INTERVAL_SECONDS or the feed's <ttl>
    etag            TEXT,
    last_modified   TEXT,
    next_poll_at    INTEGER NOT NULL DEFAULT 0,
    last_polled_at  INTEGER,
    last_ok_at      INTEGER,
    last_error      TEXT,
    error_count     INTEGER NOT NULL DEFAULT 0,
    items_ingested  INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);
"""

# Nothing has been released yet, so version 1 may still be edited; after the first
# release this list only grows.
MIGRATIONS: list[str] = [V1_BASE + V1_DELIVERY + V1_FEEDS]
