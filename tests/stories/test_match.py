"""Two articles are one story when each headline fits the other's text."""

from __future__ import annotations

import pytest

from bot.stories import THRESHOLD, article_features, features, score
from bot.stories.match import cover
from bot.text import parse_article

# Headlines and leads written for these tests in the shape of real reprints.
ONE_STORY = [
    (
        ("Всемирный банк выделит Казахстану 150 млн долларов на дороги",
         "Всемирный банк одобрил заем в 150 млн долларов на ремонт дорог в Казахстане."),
        ("ВБ даст Казахстану $150 млн на ремонт дорог",
         "Совет директоров Всемирного банка одобрил выделение Казахстану 150 млн долларов."),
    ),
    (
        ("Токаев подписал закон о референдуме",
         "Президент Касым-Жомарт Токаев подписал закон о республиканском референдуме."),
        ("Глава государства подписал закон о референдуме",
         "Касым-Жомарт Токаев подписал закон «О республиканском референдуме», сообщает Акорда."),
    ),
]  # fmt: skip
DIFFERENT = [
    (
        ("Прогноз погоды на 8 ноября", "В пятницу, 8 ноября, в Алматы ожидается слабый снег."),
        ("Прогноз погоды на 16 ноября", "В субботу, 16 ноября, в Алматы ожидается дождь."),
    ),
    (
        ("В Алматы открыли новую школу на 1200 мест",
         "В Наурызбайском районе Алматы открылась школа на 1200 ученических мест."),
        ("Суд арестовал бывшего акима района в Алматы",
         "Специализированный суд санкционировал арест бывшего акима Наурызбайского района."),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("first", "second"), ONE_STORY)
def test_retellings_of_one_event_score_at_least_the_threshold(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    assert score(features(*first), features(*second)) >= THRESHOLD


@pytest.mark.parametrize(("first", "second"), DIFFERENT)
def test_different_events_on_one_topic_score_below_the_threshold(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    assert score(features(*first), features(*second)) < THRESHOLD


def test_score_is_symmetric_and_one_for_the_same_text() -> None:
    first = features(*ONE_STORY[0][0])
    second = features(*ONE_STORY[0][1])

    assert score(first, second) == score(second, first)
    assert score(first, first) == pytest.approx(1.0)


def test_headlines_naming_different_dates_are_different_stories() -> None:
    first = features("Выборы назначены на 5 октября", "Выборы в маслихат пройдут 5 октября.")
    second = features("Выборы назначены на 12 октября", "Выборы в маслихат пройдут 5 октября.")

    assert cover(first, second) > 0.5  # the words alone would merge them
    assert score(first, second) == 0.0


def test_word_forms_and_spelling_meet() -> None:
    headline = features("Учёные оценили вред сладкого для кишечника", "")
    text = features("Вред сладких продуктов", "Ученые оценили, как сахар влияет на кишечник.")

    assert cover(headline, text) == pytest.approx(1.0)


def test_rare_words_weigh_more_than_common_ones() -> None:
    found = features("Назарбаева сложила полномочия депутата в этом году", "").headline

    assert found["назарба"] > found["депутат"] > found["год"] > 0


def test_function_words_are_not_features() -> None:
    found = features("Он и она были в Астане, но не с ними", "")

    assert {"он", "она", "и", "в", "но", "не", "с", "ним"}.isdisjoint(found.headline)
    assert len(found.headline) == 1  # «Астане»: search drops the auxiliary «были» too


def test_empty_headline_scores_zero() -> None:
    assert score(features("…", ""), features("Токаев подписал закон", "")) == 0.0


def test_one_shared_name_is_a_topic_not_a_story() -> None:
    meeting = features(
        "Токаев встретился с Кисидой", "Касым-Жомарт Токаев провел переговоры в Акорде."
    )
    law = features(
        "Токаев подписал закон", "Касым-Жомарт Токаев подписал закон о референдуме в Акорде."
    )

    assert min(cover(meeting, law), cover(law, meeting)) >= THRESHOLD  # the name is rare
    assert score(meeting, law) == 0.0


def test_a_parsed_article_is_read_from_headline_and_body() -> None:
    article = parse_article(
        " date 2026-03-03\nПолитика\n\nТокаев подписал закон о референдуме\n\n"
        "Акорда, фото - Новости Zakon.kz от 03.03.2026 12:53\n"
        "АСТАНА. KAZINFORM – Глава государства подписал закон о республиканском референдуме.\n"
    )
    found = article_features(article)

    assert set(found.headline) == set(features(article.title, "").headline)
    assert {"республиканск", "референдум", "kazinform"} <= found.text
    assert "акорд" not in found.text  # the caption is not the article's text
