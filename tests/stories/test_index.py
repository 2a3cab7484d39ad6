"""The index gives each new article the story it reports, from candidates, within the window."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.stories import THRESHOLD, Features, StoryIndex, features, score

NOON = datetime(2026, 3, 3, 12, tzinfo=UTC)
REFERENDUM = features(
    "Токаев подписал закон о референдуме",
    "Президент Касым-Жомарт Токаев подписал закон о республиканском референдуме.",
)
REPRINT = features(
    "Глава государства подписал закон о референдуме",
    "Касым-Жомарт Токаев подписал закон «О республиканском референдуме».",
)
OTHER = features(
    "В Алматы открыли новую школу на 1200 мест",
    "В Наурызбайском районе открылась школа на 1200 ученических мест.",
)


def test_a_new_event_starts_a_story_named_after_its_first_article() -> None:
    index = StoryIndex()

    assert index.assign(7, NOON, REFERENDUM) == 7
    assert index.assign(8, NOON, OTHER) == 8


def test_a_reprint_joins_the_story_of_the_first_article() -> None:
    index = StoryIndex()
    index.assign(7, NOON, REFERENDUM)
    index.assign(8, NOON, OTHER)

    assert index.assign(9, NOON + timedelta(minutes=20), REPRINT) == 7
    assert index.story_of(9) == 7


def test_articles_of_one_batch_join_each_other() -> None:
    batch = [(1, NOON, OTHER), (2, NOON, REFERENDUM), (3, NOON, REPRINT)]

    stories = StoryIndex().assign_all(batch)

    assert stories == [1, 2, 2]


def test_warmed_index_gives_new_reprints_the_stored_story() -> None:
    index = StoryIndex()
    index.add(40, NOON - timedelta(hours=5), REFERENDUM, story=31)

    assert index.assign(41, NOON, REPRINT) == 31


def test_an_article_already_indexed_keeps_its_story() -> None:
    index = StoryIndex()
    index.assign(1, NOON, REFERENDUM)

    assert index.assign(1, NOON, OTHER) == 1
    assert len(index) == 1


def test_articles_further_apart_than_the_window_are_different_stories() -> None:
    index = StoryIndex(window=timedelta(hours=48))
    index.assign(1, NOON, REFERENDUM)

    assert index.assign(2, NOON - timedelta(hours=49), REPRINT) == 2
    assert index.assign(3, NOON + timedelta(hours=47), REPRINT) == 1


def test_articles_leave_the_index_when_the_window_moves_past_them() -> None:
    index = StoryIndex(window=timedelta(hours=72))
    for number in range(10):
        index.assign(number, NOON + timedelta(hours=12 * number), OTHER if number % 2 else REPRINT)

    # the newest is at +108 h: what was published before +36 h is gone
    assert len(index) == 7
    assert 2 not in index
    assert 3 in index


def _random_features(rng: random.Random, vocabulary: list[str]) -> Features:
    headline = {key: rng.uniform(0.5, 10.0) for key in rng.sample(vocabulary, rng.randint(1, 8))}
    text = set(headline) | set(rng.sample(vocabulary, rng.randint(0, 20)))
    return Features(headline, frozenset(text))


def test_candidate_search_finds_what_scoring_every_article_finds() -> None:
    rng = random.Random(13)
    vocabulary = [f"w{number}" for number in range(60)]
    index = StoryIndex(window=timedelta(days=365))
    stored: list[Features] = []
    for number in range(400):
        found = _random_features(rng, vocabulary)
        match = index.best_match(NOON, found)
        best = max((score(found, other) for other in stored), default=0.0)
        if best >= THRESHOLD:
            assert match is not None
            assert score(found, match.features) == pytest.approx(best)
        else:
            assert match is None
        index.add(number, NOON, found, story=number)
        stored.append(found)
    assert index.examined < 400 * 399 / 2  # the prefix filter spared most of the pairs


def test_an_article_dated_years_ahead_does_not_push_todays_out_of_the_window() -> None:
    now = datetime.now(UTC)
    index = StoryIndex()
    index.assign(7, now - timedelta(hours=1), REFERENDUM)
    index.assign(8, now + timedelta(days=3650), OTHER)  # a wrong date, ten years ahead

    assert 7 in index
    assert index.assign(9, now, REPRINT) == 7


def test_articles_dated_ahead_still_find_their_stories_and_only_within_the_window() -> None:
    later = datetime.now(UTC) + timedelta(days=400)
    index = StoryIndex()
    index.assign(7, later, REFERENDUM)
    index.assign(8, later + timedelta(days=30), REPRINT)  # a month on: another story
    assert index.assign(9, later + timedelta(hours=2), REPRINT) == 7
    assert index.story_of(8) == 8
