"""Stories: the articles of many outlets that report one event, found as they are ingested.

Pure work, no I/O: :func:`article_features` reads an article, :class:`StoryIndex` gives each
new one its story, :func:`article_outlet` names the outlet a text credits.
"""

from bot.stories.features import Features, article_features, features
from bot.stories.index import DEFAULT_WINDOW, StoryIndex
from bot.stories.match import THRESHOLD, score
from bot.stories.outlet import article_outlet, feed_outlet, file_outlet, outlet_name, text_outlet

__all__ = [
    "DEFAULT_WINDOW",
    "THRESHOLD",
    "Features",
    "StoryIndex",
    "article_features",
    "article_outlet",
    "features",
    "feed_outlet",
    "file_outlet",
    "outlet_name",
    "score",
    "text_outlet",
]
