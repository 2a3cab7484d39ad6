"""Feed polling throughput: N feeds of M items served on 127.0.0.1, polled round after round.

    .venv/bin/python benchmarks/feeds.py [--feeds 500] [--items 50] [--rounds 5] [--changed 0.05]

A server subprocess serves the feeds with ETag/Last-Modified; before every round after the
first it adds a new item to a share (``--changed``) of them, so the steady state is mostly
304 answers. The poller runs in this process on a fresh SQLite file, exactly as in the bot
(8 feeds at once), and CPU is this process's own. The target is one round of 500 feeds in
under 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.sources.http import Fetcher  # noqa: E402
from bot.sources.poller import FeedPoller, Outcome  # noqa: E402
from bot.storage import SqliteStorage  # noqa: E402

BASE = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
RUBRICS = ("Политика", "Экономика", "Общество", "Спорт", "Происшествия", "Культура")
LAST_MODIFIED = "Sun, 01 Mar 2026 06:00:00 GMT"


# --- the server (a subprocess: its CPU is not counted) ---------------------------------


def item_xml(feed: int, n: int) -> str:
    when = format_datetime(BASE + timedelta(minutes=17 * n + feed), usegmt=False)
    rubric = RUBRICS[(feed + n) % len(RUBRICS)]
    return f"""<item>
<title>Лента {feed}: новость номер {n} о &#171;важном&#187;</title>
<link>https://bench{feed}.example.kz/news/{n}.html</link>
<guid isPermaLink="true">https://bench{feed}.example.kz/news/{n}.html</guid>
<pubDate>{when}</pubDate>
<category>{rubric}</category><category>Лента-{feed}</category>
<description><![CDATA[<p>АСТАНА. KAZINFORM &ndash; Правительство обсудило вопрос
номер {n} ленты {feed} на&nbsp;заседании во вторник, сообщили в пресс-службе.</p>]]></description>
<content:encoded><![CDATA[<p>АСТАНА. KAZINFORM &ndash; Правительство обсудило вопрос
номер {n} ленты {feed} на&nbsp;заседании во вторник, сообщили в пресс-службе.</p>
<p>&laquo;Решение будет принято до конца месяца&raquo;, &mdash; сказал министр.</p>
<p>Эксперты считают, что изменения затронут около {n * 1000} человек.</p>
<p>Ранее правительство уже рассматривало похожие меры.</p>]]></content:encoded>
</item>"""


def feed_xml(feed: int, first: int, items: int) -> bytes:
    body = "".join(item_xml(feed, n) for n in range(first + items - 1, first - 1, -1))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Лента {feed}</title><link>https://bench{feed}.example.kz/</link>"
        f"<description>Тестовая лента</description>{body}</channel></rss>"
    ).encode()


def serve(feeds: int, items: int) -> None:
    first = dict.fromkeys(range(feeds), 0)
    bodies = {f: feed_xml(f, 0, items) for f in range(feeds)}
    cursor = 0

    async def feed(request: web.Request) -> web.Response:
        number = int(request.match_info["n"])
        body = bodies[number]
        etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
        headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers=headers, content_type="application/rss+xml")

    async def bump(request: web.Request) -> web.Response:
        nonlocal cursor
        count = int(request.query["count"])
        for _ in range(count):
            first[cursor] += 1
            bodies[cursor] = feed_xml(cursor, first[cursor], items)
            cursor = (cursor + 1) % feeds
        return web.Response(text="ok")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feed/{n}.xml", feed)
        app.router.add_get("/_bump", bump)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port = runner.addresses[0][1]
        print(port, flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


# --- the poller (this process) ---------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = BASE.timestamp() + 7 * 86400

    def __call__(self) -> float:
        return self.now


async def bench(args: argparse.Namespace, port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        store = await SqliteStorage.open(Path(tmp) / "bench.sqlite3")
        clock = Clock()
        for n in range(args.feeds):
            await store.feeds.add(f"{base}/feed/{n}.xml", now=int(clock()))
        async with Fetcher() as fetcher:
            poller = FeedPoller(store, fetcher=fetcher, clock=clock, jitter=0, concurrency=8)
            print(
                f"{args.feeds} feeds × {args.items} items on 127.0.0.1, 8 at once; "
                f"{args.changed:.0%} of feeds get a new item before each round after the first"
            )
            print("round   wall s  feeds/s    200   304  new items  CPU ms/feed  CPU µs/item")
            for number in range(1, args.rounds + 1):
                if number > 1:
                    changed = round(args.feeds * args.changed)
                    await fetcher.fetch(f"{base}/_bump?count={changed}")
                    clock.now += 86400 + 1
                cpu, wall = time.process_time(), time.perf_counter()
                stats = await poller.poll_round()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                polled = stats.polled
                fresh, same = stats.outcomes[Outcome.INGESTED], stats.outcomes[Outcome.UNCHANGED]
                print(
                    f"{number:>5} {wall:>8.2f} {polled / wall:>8.0f} {fresh:>6} {same:>5} "
                    f"{stats.added:>10} {cpu * 1000 / polled:>12.2f} "
                    f"{cpu * 1e6 / (polled * args.items):>12.1f}"
                )
                if stats.outcomes[Outcome.FAILED]:
                    print(f"      {stats.outcomes[Outcome.FAILED]} feeds failed", file=sys.stderr)
            print(f"articles stored: {await store.articles.count()}")
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--changed", type=float, default=0.05, help="share of feeds changed")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.feeds, args.items)
        return
    server = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            "--feeds",
            str(args.feeds),
            "--items",
            str(args.items),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        asyncio.run(bench(args, port))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
