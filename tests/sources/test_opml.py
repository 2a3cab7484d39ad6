"""OPML: reading a file from anyone safely, importing it whole or not at all, exporting back."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.sources.manage import export_opml, import_opml
from bot.sources.opml import MAX_OPML_BYTES, MAX_OPML_FEEDS, OpmlError, parse_opml
from bot.storage import Storage
from tests.cli.test_commands import svodka

READER_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Подписки</title></head>
  <body>
    <outline text="Казахстан" title="Казахстан">
      <outline type="rss" text="Zakon.kz" title="Zakon.kz" xmlUrl="https://www.zakon.kz/rss"/>
      <outline type="rss" text="Tengri" xmlUrl="https://tengrinews.kz/rss/"
               category="/Алматы,/Мир/Азия"/>
    </outline>
    <outline type="rss" text="Без папки" xmlUrl="http://example.com/feed.xml"/>
    <outline type="rss" text="Пустой"/>
    <outline type="rss" text="Почта" xmlUrl="mailto:editor@example.com"/>
    <outline type="rss" text="Снова Zakon" xmlUrl="https://www.zakon.kz/rss"/>
  </body>
</opml>
"""


def opml(*urls: str) -> bytes:
    outlines = "\n".join(f'<outline type="rss" text="{u}" xmlUrl="{u}"/>' for u in urls)
    return f'<opml version="2.0"><body>\n{outlines}\n</body></opml>\n'.encode()


def test_feeds_keep_their_folder_as_rubric_their_categories_as_tags_and_their_lines() -> None:
    outline = parse_opml(READER_EXPORT.encode(), "reader.opml")
    found = [(f.line, f.url, f.title, f.rubric, f.tags) for f in outline.feeds]
    assert found == [
        (6, "https://www.zakon.kz/rss", "Zakon.kz", "Казахстан", ()),
        (7, "https://tengrinews.kz/rss/", "Tengri", "Казахстан", ("Алматы", "Азия")),
        (10, "http://example.com/feed.xml", "Без папки", None, ()),
        (12, "mailto:editor@example.com", "Почта", None, ()),
        (13, "https://www.zakon.kz/rss", "Снова Zakon", None, ()),
    ]
    assert [(s.line, s.reason) for s in outline.bad] == [(11, "a feed outline without xmlUrl")]


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (b"this is not xml at all", 1, "not XML: syntax error"),
        (b'<opml><body>\n<outline text="a">\n</body></opml>', 3, "not XML: mismatched tag"),
        (b"<?xml version='1.0'?>\n<rss/>", 2, "not an OPML file: the root element is <rss>"),
        (b"", 1, "not XML: no element found"),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE opml [\n<!ENTITY a "aaaaaaaaaa">\n'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n<opml><body/></opml>',
            3,
            "entity declarations are not allowed in an OPML file",
        ),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            b'<opml><body><outline text="&x;" xmlUrl="https://a.kz/rss"/></body></opml>',
            2,
            "entity declarations are not allowed in an OPML file",
        ),
    ],
    ids=["not-xml", "broken", "rss", "empty", "billion-laughs", "external-entity"],
)  # fmt: skip
def test_a_file_that_is_not_safe_opml_is_refused_whole_with_its_line(
    data: bytes, line: int, reason: str
) -> None:
    with pytest.raises(OpmlError) as refused:
        parse_opml(data, "feeds.opml")
    assert str(refused.value) == f"feeds.opml:{line}: {reason}"


def test_a_file_over_the_size_limit_is_refused_unparsed() -> None:
    data = b"<opml>" + b" " * MAX_OPML_BYTES + b"</opml>"
    with pytest.raises(OpmlError, match=r"^big\.opml:1: larger than 2 MiB, the limit of a file$"):
        parse_opml(data, "big.opml")


def test_five_thousand_feeds_are_refused_whole_naming_the_cap_and_where_it_is_passed() -> None:
    data = opml(*(f"https://example.com/{n}.xml" for n in range(5000)))
    assert len(data) < MAX_OPML_BYTES  # the count refuses it, not the size
    with pytest.raises(OpmlError) as refused:
        parse_opml(data, "huge.opml")
    assert str(refused.value) == (
        f"huge.opml:{MAX_OPML_FEEDS + 2}: 5,000 feeds, more than the 1,000 one import takes; "
        "split the file"
    )


@pytest.fixture
def store(any_storage: Storage) -> Storage:
    return any_storage


async def test_an_import_adds_the_new_feeds_and_names_every_skipped_outline(
    store: Storage,
) -> None:
    known, _ = await store.feeds.add("http://example.com/feed.xml", now=1_770_000_000)
    done = await import_opml(store, READER_EXPORT.encode(), "reader.opml", now=1_770_000_100)
    assert [(f.url, f.title, f.rubric, f.tags) for f in done.added] == [
        ("https://www.zakon.kz/rss", "Zakon.kz", "Казахстан", ()),
        ("https://tengrinews.kz/rss/", "Tengri", "Казахстан", ("Алматы", "Азия")),
    ]
    assert done.lines() == [
        f"reader.opml:10: already present as feed {known.id}",
        "reader.opml:11: a feed outline without xmlUrl",
        "reader.opml:12: not an http:// or https:// address: 'mailto:editor@example.com'",
        "reader.opml:13: the same feed as line 6",
    ]
    assert len(done.bad) == 2
    stored = {feed.url: feed for feed in await store.feeds.all()}
    assert set(stored) == {"http://example.com/feed.xml", *(f.url for f in done.added)}
    assert stored["https://www.zakon.kz/rss"].next_poll_at == 1_770_000_100  # polled at once


async def test_a_file_refused_whole_stores_nothing(store: Storage) -> None:
    with pytest.raises(OpmlError):
        await import_opml(store, b"<opml><body><outline xmlUrl='https://a.kz'>", "cut.opml")
    assert await store.feeds.all() == []


async def test_an_import_that_fails_midway_stores_none_of_its_feeds(
    store: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.storage.feeds import FeedRepo

    add = FeedRepo.add
    calls = 0

    async def failing_add(self: FeedRepo, url: str, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise StorageError("disk full")
        return await add(self, url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(FeedRepo, "add", failing_add)
    with pytest.raises(StorageError):
        await import_opml(store, opml(*(f"https://e.kz/{n}" for n in range(5))), "five.opml")
    assert calls == 3
    assert await store.feeds.all() == []


async def test_an_export_imports_back_as_the_same_feeds(store: Storage) -> None:
    await import_opml(store, READER_EXPORT.encode(), "reader.opml")
    await store.feeds.add("https://a.kz/<&>\"'", now=1, title="Кавычки «» & <теги>")
    document = await export_opml(store)
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<opml version=\"2.0\">")
    again = parse_opml(document, "export.opml")
    exported = {(f.url, f.title, f.rubric, f.tags) for f in again.feeds}
    assert exported == {(f.url, f.title, f.rubric, f.tags) for f in await store.feeds.all()}
    assert again.bad == []


def test_the_command_line_imports_exports_and_reports_line_by_line(tmp_path: Path) -> None:
    db = tmp_path / "svodka.sqlite3"
    source = tmp_path / "reader.opml"
    source.write_text(READER_EXPORT, encoding="utf-8")
    first = svodka("feeds", "import", str(source), db=db)
    assert first.returncode == 1  # two bad outlines
    assert first.stdout == f"{source}: 3 feed(s) added, 1 already present, 2 bad\n"
    assert first.stderr.splitlines() == [
        f"{source}:11: a feed outline without xmlUrl",
        f"{source}:12: not an http:// or https:// address: 'mailto:editor@example.com'",
        f"{source}:13: the same feed as line 6",
    ]
    exported = svodka("feeds", "export", "-o", str(tmp_path / "out.opml"), db=db)
    assert exported.returncode == 0, exported.stderr
    again = svodka("feeds", "import", str(tmp_path / "out.opml"), db=db)
    assert again.returncode == 0, again.stderr
    assert again.stdout.endswith(": 0 feed(s) added, 3 already present, 0 bad\n")
    assert len(again.stderr.splitlines()) == 3
    to_stdout = svodka("feeds", "export", db=db)
    assert to_stdout.stdout.count("xmlUrl=") == 3
    not_opml = svodka("feeds", "import", "-", db=db, stdin="<rss/>")
    assert (not_opml.returncode, not_opml.stdout) == (1, "")
    assert not_opml.stderr == "svodka: <stdin>:1: not an OPML file: the root element is <rss>\n"
    missing = svodka("feeds", "import", str(tmp_path / "nope.opml"), db=db)
    assert missing.returncode == 1
    assert missing.stderr == f"svodka feeds: {tmp_path / 'nope.opml'}: No such file or directory\n"
