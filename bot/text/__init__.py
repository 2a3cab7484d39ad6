"""Pure text work: the article format, cleaning, summaries and tags. No I/O here."""

from bot.text.article import DEFAULT_SUMMARY_CHARS, build_article, parse_article
from bot.text.body import clean_paragraphs, is_caption, is_read_also
from bot.text.clean import DEFAULT_CARRIERS, clean_lead, strip_attribution
from bot.text.dateline import split_dateline
from bot.text.summary import first_sentence, sentences, shorten, summarize, summary_html
from bot.text.tags import is_valid_tag, split_tags, tag_display, tag_key, telegram_hashtag

# Raise whenever a change to the rules changes what a stored text parses to: ingest mixes it
# into the raw-text digest that lets a known text skip parsing, so old results get redone.
PARSER_VERSION = 3

__all__ = [
    "DEFAULT_CARRIERS",
    "DEFAULT_SUMMARY_CHARS",
    "PARSER_VERSION",
    "build_article",
    "clean_lead",
    "clean_paragraphs",
    "first_sentence",
    "is_caption",
    "is_read_also",
    "is_valid_tag",
    "parse_article",
    "sentences",
    "shorten",
    "split_dateline",
    "split_tags",
    "strip_attribution",
    "summarize",
    "summary_html",
    "tag_display",
    "tag_key",
    "telegram_hashtag",
]
