"""The labelled pairs: one ingest into an empty database groups them as the crowd did.

Skipped where ``../shared/corpus`` is absent (a fresh clone has no corpus).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.models import Article
from bot.stories import StoryIndex, article_features
from bot.text import parse_article

ROOT = Path(__file__).resolve().parents[2]
PAIRS = ROOT.parent / "shared" / "corpus" / "stories"
DEV = ROOT.parent / "shared" / "corpus" / "dev"

pytestmark = pytest.mark.skipif(
    not (PAIRS / "pairs.jsonl").is_file(), reason="the story pairs corpus is absent"
)


def _read(folder: Path) -> dict[str, Article]:
    paths = folder.glob("*.txt")
    return {path.name: parse_article(path.read_bytes(), path.name) for path in paths}


def _ingest(articles: dict[str, Article]) -> dict[str, int]:
    """Stories as one sorted ingest gives them, numbering articles as a new database would."""
    index = StoryIndex()
    return {
        name: index.assign(number, articles[name].published, article_features(articles[name]))
        for number, name in enumerate(sorted(articles), 1)
    }


def _pairs() -> list[tuple[str, str, bool]]:
    lines = (PAIRS / "pairs.jsonl").read_text("utf-8").splitlines()
    return [(r["a"], r["b"], bool(r["same"])) for r in map(json.loads, filter(None, lines))]


def test_pair_members_share_a_story_exactly_when_labelled_one_story() -> None:
    pairs = _pairs()
    stories = _ingest(_read(PAIRS))

    shared = [stories[first] == stories[second] for first, second, _ in pairs]
    labels = [same for _, _, same in pairs]
    right = sum(s == label for s, label in zip(shared, labels, strict=True))
    hits = sum(s and label for s, label in zip(shared, labels, strict=True))
    accuracy, precision, recall = right / len(pairs), hits / sum(shared), hits / sum(labels)
    print(f"story pairs: accuracy {accuracy:.1%}, precision {precision:.1%}, recall {recall:.1%}")

    assert accuracy >= 0.85
    assert precision >= 0.85


@pytest.mark.skipif(not DEV.is_dir(), reason="the dev corpus is absent")
def test_unrelated_articles_merge_with_no_pair() -> None:
    pair_of = {name: number for number, (a, b, _) in enumerate(_pairs()) for name in (a, b)}
    articles = _read(PAIRS) | {f"dev/{name}": article for name, article in _read(DEV).items()}

    members: dict[int, set[object]] = {}
    for name, story in _ingest(articles).items():
        members.setdefault(story, set()).add(pair_of.get(name, name))

    assert [group for group in members.values() if len(group) > 1] == []


def _figures(shared: list[bool], labels: list[bool]) -> tuple[float, float, float]:
    """Accuracy, precision and recall of "shares a story" against "labelled one story"."""
    right = sum(s == label for s, label in zip(shared, labels, strict=True))
    hits = sum(s and label for s, label in zip(shared, labels, strict=True))
    return right / len(labels), hits / max(sum(shared), 1), hits / max(sum(labels), 1)


def test_the_command_line_ingest_gives_pair_members_one_story_as_labelled(
    tmp_path: Path,
) -> None:
    """The acceptance check itself: every pair file in one ``python -m bot ingest --json``
    into an empty database; pair members must share ``story`` exactly when labelled same."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'pairs.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", "--json", str(PAIRS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    printed = [json.loads(line) for line in done.stdout.splitlines()]
    story = {record["file"]: record["story"] for record in printed}
    pairs = _pairs()
    assert len(story) == 2 * len(pairs)
    shared = [story[first] == story[second] for first, second, _ in pairs]
    accuracy, precision, recall = _figures(shared, [same for _, _, same in pairs])
    print(
        f"python -m bot ingest --json, {len(pairs)} pairs: accuracy {accuracy:.1%}, "
        f"precision {precision:.1%}, recall {recall:.1%}"
    )
    assert accuracy >= 0.85
    assert precision >= 0.85
    assert all(isinstance(record["source"], str) for record in printed)
