"""Append-only list of schema migrations; ``PRAGMA user_version`` counts the applied ones.

Never edit a migration that has been released: add a new one at the end. Times are stored
as integer Unix seconds in UTC; booleans as 0/1.
"""

from __future__ import annotations

V1_BASE = """
-- Articles: one row per article. id grows with ingestion (digests page by it) and stays below
-- 2^28 (see articles_fts). dedup_key is a 16-byte digest of 'url:<url>', or of
-- 'td:<YYYY-MM-DD>:<normalised title>' when there is no URL; content_hash is a digest of the
-- cleaned article, to skip unchanged re-ingests; source_hash a digest of the raw text the
-- article was parsed from, so a known text is skipped before it is even parsed.
CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    dedup_key     BLOB    NOT NULL UNIQUE,
    content_hash  BLOB    NOT NULL,
    source_hash   BLOB,
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
CREATE INDEX articles_source_hash ON articles (source_hash) WHERE source_hash IS NOT NULL;

-- Tags: hashtags and rubrics share one key space (see bot.text.tags.tag_key); display is the
-- first written form seen; article_count is kept by the ingest that adds or moves tags.
CREATE TABLE tags (
    id            INTEGER PRIMARY KEY,
    key           TEXT    NOT NULL UNIQUE,
    display       TEXT    NOT NULL,
    article_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tags_popular ON tags (article_count DESC, key);

-- published is copied here so that "latest for a tag" is one index range scan; the second
-- index serves digests, which look for articles newer than an id.
CREATE TABLE article_tags (
    tag_id      INTEGER NOT NULL REFERENCES tags (id),
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    published   INTEGER NOT NULL,
    PRIMARY KEY (tag_id, published, article_id)
) WITHOUT ROWID;
CREATE INDEX article_tags_article ON article_tags (article_id, tag_id);

-- Full-text search over the distinct stems of title and body (stemmed in Python, see
-- bot.text.stem), so the 'ascii' tokenizer only splits on spaces. The rowid is
-- ((published + 2^33) << 28) | article id: rowid order is newest-first order, and a search
-- reads the first matches in rowid order and stops, however common the word. Contentless:
-- the stems are derived from the article row again when it must be removed, and
-- meta 'search_scheme' records which stemming built the index (a change rebuilds it).
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    words, tokenize = 'ascii', detail = 'none', columnsize = 0, content = ''
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

-- Values too long for a 64-byte button payload (tag keys, paging queries and cursors);
-- a button carries the id. Rows unused for a month may be pruned.
CREATE TABLE button_refs (
    id       INTEGER PRIMARY KEY,
    value    TEXT    NOT NULL UNIQUE,
    used_at  INTEGER NOT NULL
);

-- Small facts for /stats: last ingest, last digest run …
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
"""

V1_DELIVERY = """
-- One row per digest run (planner + delivery), for logs and /stats. Counters grow as the
-- run's messages are recorded; finished_at is set when the last one is sent or given up.
CREATE TABLE digest_runs (
    id           INTEGER PRIMARY KEY,
    due_at       INTEGER NOT NULL,           -- the instant planned for (Unix seconds, UTC)
    started_at   INTEGER NOT NULL,
    planned_at   INTEGER,                    -- every due chat built; NULL while building
    planner      TEXT,                       -- 'host:pid' of the process building it
    finished_at  INTEGER,
    chats_due    INTEGER NOT NULL DEFAULT 0,
    digests      INTEGER NOT NULL DEFAULT 0, -- chats that got at least one message
    messages     INTEGER NOT NULL DEFAULT 0,
    sent         INTEGER NOT NULL DEFAULT 0,
    retried      INTEGER NOT NULL DEFAULT 0, -- sends repeated after 429, errors or a crash
    failed       INTEGER NOT NULL DEFAULT 0,
    dropped      INTEGER NOT NULL DEFAULT 0, -- not sent because the chat blocked the bot
    deactivated  INTEGER NOT NULL DEFAULT 0
);

-- The durable outbox: a digest becomes rows here before anything is sent. A row goes
-- pending -> sending (just before the request) -> sent | failed | dropped, or back to
-- pending for a retry. AUTOINCREMENT keeps ids rising, which the delivery worker relies on.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id        INTEGER REFERENCES digest_runs (id),  -- NULL for /digest
    chat_id       INTEGER NOT NULL,
    seq           INTEGER NOT NULL DEFAULT 0,      -- order within one digest
    text          TEXT    NOT NULL,                -- rendered HTML, at most 4096 characters
    reply_markup  TEXT,                            -- JSON
    status        TEXT    NOT NULL DEFAULT 'pending',
    attempts      INTEGER NOT NULL DEFAULT 0,      -- requests made
    failures      INTEGER NOT NULL DEFAULT 0,      -- errors counted toward the retry limit
    not_before    INTEGER NOT NULL DEFAULT 0,      -- Unix seconds; retry backoff
    last_error    TEXT,
    message_id    INTEGER,
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER
);
-- Open rows only, so that a send touches few index entries; queries name the statuses
-- exactly as here ("status IN ('pending', 'sending')") for SQLite to use them.
CREATE INDEX outbox_open ON outbox (id) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_open_run ON outbox (run_id) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_chat ON outbox (chat_id);
CREATE INDEX outbox_failed ON outbox (id) WHERE status = 'failed';

-- Which process delivers: one at a time, so that the rate limits are paced in one place.
CREATE TABLE delivery_lease (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    owner       TEXT    NOT NULL,                -- host:pid:random
    host        TEXT    NOT NULL,
    pid         INTEGER NOT NULL,
    expires_at  REAL    NOT NULL                 -- Unix seconds
);
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
    interval_s      INTEGER,                 -- NULL: FEED_INTERVAL_SECONDS
    ttl_s           INTEGER,                 -- the feed's own <ttl>: poll no more often
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
CREATE INDEX feeds_due ON feeds (next_poll_at) WHERE paused = 0;
"""

V2_FEEDS_REMOVED = """
-- A feed removed in Telegram (/rmfeed) is kept as a row with removed_at set (and paused),
-- so that the FEEDS setting does not bring it back at the next start; /addfeed revives it.
ALTER TABLE feeds ADD COLUMN removed_at INTEGER;  -- Unix seconds; NULL while in use
"""

# Version 3 moved PostgreSQL's search to the words Python computes, which SQLite's index
# already held: nothing to do here, and both engines keep the same version numbers.
V3_SEARCH_WORDS = "SELECT 1;"

V4_STORIES = """
-- The story an article belongs to (the event it reports, shared by its reprints): the id of
-- the story's first article. An article stored before stories were detected is its own.
ALTER TABLE articles ADD COLUMN story INTEGER;
UPDATE articles SET story = id;
CREATE INDEX articles_story ON articles (story);
"""

V5_RECEIVED = """
-- The stories each chat has been sent (digests and alerts alike), so that a story is not
-- sent to a chat again as new when a reprint joins it later. Pruned after a while.
CREATE TABLE received (
    chat_id  INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    story    INTEGER NOT NULL,
    at       INTEGER NOT NULL,           -- Unix seconds
    PRIMARY KEY (chat_id, story)
) WITHOUT ROWID;
CREATE INDEX received_at ON received (at);

-- Further sendMessage parameters of an outbox row, as a JSON object (a forum topic, a silent
-- message, a link preview); NULL for none.
ALTER TABLE outbox ADD COLUMN options TEXT;
"""

V6_OUTLETS = """
-- The outlet that published an article (its text's credit, a feed's title, a folder), which
-- a story's «+3 источника» counts; NULL for articles stored before it was known.
ALTER TABLE articles ADD COLUMN outlet TEXT;
"""

V7_CHANNEL_ADMINS = """
-- Channels run from a private chat: each channel a user added as one of its administrators
-- (Telegram's rights are asked again before every change; this only remembers the pair).
-- selected_at is set on the one channel the user's private chat acts for: its ordinary
-- commands then change that channel.
CREATE TABLE channel_admins (
    user_id      INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    channel_id   INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    added_at     INTEGER NOT NULL,
    selected_at  INTEGER,                    -- Unix seconds; NULL while not acted for
    PRIMARY KEY (user_id, channel_id)
) WITHOUT ROWID;
CREATE INDEX channel_admins_channel ON channel_admins (channel_id);
"""

V8_FOLLOWS = """
-- Followed words and names: the phrase as written, and its key (the lemmas it matches, see
-- bot.follows.phrase), which a chat follows once; excluded holds the words written with a
-- leading '-' (JSON list, as written). mode: 'digest' or 'instant'. thread_id is reserved for
-- a forum topic (NULL: the chat itself).
CREATE TABLE follows (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    phrase      TEXT    NOT NULL,
    normalized  TEXT    NOT NULL,
    excluded    TEXT    NOT NULL DEFAULT '[]',
    mode        TEXT    NOT NULL DEFAULT 'digest',
    thread_id   INTEGER,
    created_at  INTEGER NOT NULL,
    UNIQUE (chat_id, normalized)
);
CREATE INDEX follows_instant ON follows (chat_id) WHERE mode = 'instant';

-- What a chat does not want to see: a tag (by key) or words (a phrase key), until a time
-- (NULL: until unmuted).
CREATE TABLE mutes (
    chat_id     INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    kind        TEXT    NOT NULL,            -- 'tag' or 'word'
    key         TEXT    NOT NULL,
    display     TEXT    NOT NULL,
    until       INTEGER,                     -- Unix seconds
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, kind, key)
) WITHOUT ROWID;

-- Each subscription's mode, as a follow's.
ALTER TABLE subscriptions ADD COLUMN mode TEXT NOT NULL DEFAULT 'digest';
CREATE INDEX subscriptions_instant ON subscriptions (tag_key) WHERE mode = 'instant';

-- Instant alerts gathered for a chat before they go out as one message: an article matched
-- by the alert worker waits here (its cursor, meta 'alerts_cursor', is moved in the same
-- transaction) until the chat's message is put in the outbox, which deletes the rows.
CREATE TABLE alert_queue (
    chat_id     INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    queued_at   REAL    NOT NULL,            -- Unix seconds
    PRIMARY KEY (chat_id, article_id)
) WITHOUT ROWID;
CREATE INDEX alert_queue_article ON alert_queue (article_id);
"""

V9_SCHEDULES = """
-- Digest schedules: digest_time now holds one or more local times ('08:00,19:00'; a row
-- from before holds one, which stays its schedule), digest_days the weekdays they apply on
-- (a bit mask, bit 0 Monday; 127 every day). Quiet hours ('23:00-07:30', local time; NULL
-- for none) hold instant alerts until they end, or send them silently (quiet_silent = 1).
ALTER TABLE chats ADD COLUMN digest_days INTEGER NOT NULL DEFAULT 127;
ALTER TABLE chats ADD COLUMN quiet_hours TEXT;
ALTER TABLE chats ADD COLUMN quiet_silent INTEGER NOT NULL DEFAULT 0;
"""

V10_TOPICS = """
-- The forum topic a subscription's digest section goes to (Telegram's message_thread_id),
-- set by a /subscribe sent inside a topic; NULL for the chat itself (the general topic).
ALTER TABLE subscriptions ADD COLUMN thread_id INTEGER;
"""

# Released: never edit an entry, add new ones at the end.
MIGRATIONS: list[str] = [
    V1_BASE + V1_DELIVERY + V1_FEEDS,
    V2_FEEDS_REMOVED,
    V3_SEARCH_WORDS,
    V4_STORIES,
    V5_RECEIVED,
    V6_OUTLETS,
    V7_CHANNEL_ADMINS,
    V8_FOLLOWS,
    V9_SCHEDULES,
    V10_TOPICS,
]
