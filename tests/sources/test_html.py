"""HTML fragments of feed items → clean text paragraphs."""

from __future__ import annotations

import pytest

from bot.sources.html import html_to_paragraphs, strip_tags, text_to_paragraphs


@pytest.mark.parametrize(
    ("markup", "paragraphs"),
    [
        ("<p>Один.</p><p>Два.</p>", ["Один.", "Два."]),
        ("Один.<br>Два<br/><br/>три", ["Один.", "Два", "три"]),
        ("Строка, перенесённая<br>посреди фразы.", ["Строка, перенесённая посреди фразы."]),
        ("Подпись<br> <br>Текст", ["Подпись", "Текст"]),
        ("<div>Блок <b>жирный</b> и <a href='/x'>ссылка</a></div>", ["Блок жирный и ссылка"]),
        ("<ul><li>первый</li><li>второй</li></ul>", ["первый", "второй"]),
        (
            "<p>&laquo;Цитата&raquo;&nbsp;&mdash; сказал он&hellip;</p>",
            ["«Цитата» — сказал он…"],
        ),
        ("<p>&#171;Числовые&#187; &#x2014; тоже</p>", ["«Числовые» — тоже"]),
        ("<script>var a = '<p>нет</p>';</script><p>Текст</p>", ["Текст"]),
        ("<style>p { color: red }</style><p>Текст</p>", ["Текст"]),
        (
            "<figure><img src='a.jpg'><figcaption>Фото: агентство</figcaption></figure>"
            "<p>Текст</p>",
            ["Текст"],
        ),
        ("<p>  много   \n  пробелов\t</p><p> </p><p>&nbsp;</p>", ["много пробелов"]),
        ("<h2>Подзаголовок</h2>Текст без тега", ["Подзаголовок", "Текст без тега"]),
        ("<p>Незакрытый <i>курсив<p>Дальше", ["Незакрытый курсив", "Дальше"]),
    ],
)
def test_html_becomes_paragraphs(markup: str, paragraphs: list[str]) -> None:
    assert html_to_paragraphs(markup) == paragraphs


def test_plain_text_is_split_at_line_breaks() -> None:
    text = "Первый абзац.\nВторой &laquo;абзац&raquo;.\n\n  Третий.  "
    assert text_to_paragraphs(text) == ["Первый абзац.", "Второй «абзац».", "Третий."]


def test_plain_text_keeps_a_lone_less_than_sign() -> None:
    assert text_to_paragraphs("Инфляция < 5 % в год") == ["Инфляция < 5 % в год"]


def test_strip_tags_gives_one_line() -> None:
    assert strip_tags("<b>Снег</b> закрыл&nbsp;трассу<br>Алматы") == "Снег закрыл трассу Алматы"
