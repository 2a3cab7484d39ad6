"""Followed phrases read as people write them, and matched against real headlines and leads."""

from __future__ import annotations

import time

import pytest

from bot.follows import (
    MAX_PHRASE_CHARS,
    MatchIndex,
    Mute,
    PhraseError,
    Rules,
    article_words,
    mute_key,
    muted,
    parse_follow,
)


@pytest.mark.parametrize(
    ("written", "text", "key", "excluded"),
    [
        ("Токаев", "Токаев", "токай|токаев", ()),
        ('  "единый   платёж" ', '"единый платёж"', "единый платеж", ()),
        ("референдум -Армения", "референдум -Армения", "референдум -армения", ("Армения",)),
        ("«Единый платёж»", "«Единый платёж»", "единый платеж", ()),
        ("платёж единый", "платёж единый", "единый платеж", ()),
    ],
)
def test_a_phrase_is_read_as_written(
    written: str, text: str, key: str, excluded: tuple[str, ...]
) -> None:
    phrase = parse_follow(written)
    assert (phrase.text, phrase.key, phrase.excluded) == (text, key, excluded)


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("а" * (MAX_PHRASE_CHARS + 1), "long"),
        ("и в на", "nothing"),
        ("-Армения", "only_excluded"),
        ("один два три четыре пять шесть семь", "words"),
    ],
)
def test_a_phrase_that_cannot_be_followed_says_why(written: str, reason: str) -> None:
    with pytest.raises(PhraseError) as caught:
        parse_follow(written)
    assert caught.value.reason == reason


def test_a_pattern_is_taken_as_words() -> None:
    assert parse_follow("выбор.*").key == parse_follow("выбор").key


HEADLINES = [
    ("Токаеву вручили верительные грамоты послы шести стран", ""),
    ("Бакаева задержали в аэропорту Алматы", "Бывший аким задержан сотрудниками АФМ."),
    ("Единого платежа для самозанятых не будет", ""),
    ("Референдум в Армении назначен на июнь", ""),
    ("Референдум по АЭС: итоги голосования", "ЦИК подвёл итоги референдума в Казахстане."),
    ("После выборов в маслихаты", "Новые депутаты приступили к работе."),
    ("Погода в Астане", "Синоптики обещают снег."),
]

FOLLOWS = {
    "Токаев": {0},
    "Бакаев": {1},
    '"единый платёж"': {2},
    "референдум -Армения": {4},
    "референдум": {3, 4},
    "выборы": {5},
    "итоги голосования референдума": {4},
    "АФМ": {1},
}


def test_a_phrase_meets_its_words_in_any_form_in_the_headline_or_lead() -> None:
    index: MatchIndex[str] = MatchIndex()
    for written in FOLLOWS:
        index.add_phrase(parse_follow(written).key, written)
    found: dict[str, set[int]] = {w: set() for w in FOLLOWS}
    for number, (title, lead) in enumerate(HEADLINES):
        for written in index.match(article_words(title, lead)):
            found[written].add(number)
    assert found == FOLLOWS


def test_one_chats_rules_checked_one_by_one_find_what_the_index_finds() -> None:
    index: MatchIndex[str] = MatchIndex()
    rules: Rules[str] = Rules()
    assert not rules
    for written in [*FOLLOWS, "референдум -Армения", "выборы -маслихат"]:
        index.add_phrase(parse_follow(written).key, written)
        rules.add_phrase(parse_follow(written).key, written)
    for table in (index, rules):
        table.add_tag("политика", "#Политика")
    assert rules
    for title, lead in HEADLINES:
        words = article_words(title, lead)
        for tags in (set(), {"политика"}, {"экономика"}):
            assert rules.match(words, tags) == index.match(words, tags), title


def test_a_phrase_many_chats_follow_is_checked_once_and_finds_them_all() -> None:
    index: MatchIndex[int] = MatchIndex()
    for chat in range(1000):
        index.add_phrase(parse_follow("Токаев").key, chat)
    index.add_tag("политика", 5000)
    index.add_tag("политика", 7)  # a chat with a tag and a phrase is found once
    hits = index.match(article_words(*HEADLINES[0]), {"политика"})
    assert sorted(hits) == [*range(1000), 5000]
    assert len(index) == 1002


def test_matching_stays_cheap_with_many_phrases() -> None:
    index: MatchIndex[int] = MatchIndex()
    words = [f"слово{n}" for n in range(30_000)]
    for n in range(100_000):
        index.add_phrase(f"{words[n % 30_000]} {words[(n * 7) % 30_000]}", n)
    index.add_phrase("выборы|выбор", -1)
    article = article_words(*HEADLINES[5])
    started = time.process_time()
    for _ in range(1000):
        hits = index.match(article)
    per_article = (time.process_time() - started) / 1000
    assert hits == {-1}
    assert per_article < 0.001


def test_a_muted_tag_or_word_hides_an_article() -> None:
    words = article_words(*HEADLINES[3])
    key = mute_key("Армения")
    assert key is not None
    assert muted([Mute(1, "word", key, "Армения")], words, set())
    assert muted([Mute(1, "tag", "политика", "Политика")], words, {"политика"})
    assert not muted([Mute(1, "tag", "спорт", "Спорт")], words, {"политика"})
    assert mute_key("и на") is None
