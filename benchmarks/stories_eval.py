"""How well story detection tells one event from another, on crowd-labelled pairs.

    .venv/bin/python benchmarks/stories_eval.py [--corpus ../shared/corpus/stories] [--dev DIR]

Reads the pairs (``pNNN-a.txt``, ``pNNN-b.txt`` and ``pairs.jsonl`` with ``same``) and prints,
for each approach, accuracy, precision and recall:

- ``loo``: leave-one-out — the threshold is chosen on the other pairs (the best accuracy with
  precision at least 85%, half-way between two scores) and judged on the pair left out; this
  estimates what a fresh set of the same kind would show;
- ``fixed``: the shipped method at its shipped threshold (``bot.stories.THRESHOLD``);
- ``best``: the best accuracy any threshold reaches on these very pairs, whatever the
  precision — an optimistic ceiling, for comparison only.

Approaches, all over the same words (stems of pymorphy3 lemmas, weights from a frequency prior):

- ``headline-fit`` (shipped): the smaller of the two shares of a headline's weight found in the
  other article's headline and lead; different calendar dates in the headlines veto;
- ``tfidf-cosine``: cosine of the weighted words of headline and lead;
- ``shingles``: Jaccard of word pairs in headline and lead, what MinHash estimates;
- ``navec-cosine``: cosine of mean navec word vectors, if ``natasha`` is installed (it is not a
  dependency: it loses, see the README).

Last, the acceptance check itself: every pair file through one ``StoryIndex`` in sorted order,
as an ingest into an empty database would; and with ``--dev``, the same plus unrelated articles,
counting stories that merge articles of different pairs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.models import Article  # noqa: E402
from bot.stories import THRESHOLD, StoryIndex, article_features, score  # noqa: E402
from bot.stories.features import LEAD_WORDS  # noqa: E402
from bot.stories.words import first_tokens, word  # noqa: E402
from bot.text import parse_article  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "stories"
LEAST_PRECISION = 0.85

Pair = tuple[Article, Article, bool]
Scorer = Callable[[Article, Article], float]


def load(corpus: Path) -> tuple[list[Pair], dict[str, Article]]:
    """The labelled pairs and every article by file name."""
    articles = {
        path.name: parse_article(path.read_bytes(), path.name) for path in corpus.glob("*.txt")
    }
    pairs = []
    for line in (corpus / "pairs.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            pairs.append((articles[record["a"]], articles[record["b"]], bool(record["same"])))
    return pairs, articles


def _text(article: Article) -> str:
    return article.title + "\n" + "\n".join(article.body[:3])


def _weighted(article: Article) -> dict[str, float]:
    found: dict[str, float] = {}
    for token in first_tokens(_text(article), LEAD_WORDS + 20):
        item = word(token)
        if item is not None:
            found[item.key] = max(found.get(item.key, 0.0), item.weight)
    return found


def _cosine(first: dict[str, float], second: dict[str, float]) -> float:
    dot = sum(weight * second[key] for key, weight in first.items() if key in second)
    norms = math.sqrt(sum(w * w for w in first.values()) * sum(w * w for w in second.values()))
    return dot / norms if norms else 0.0


def headline_fit(first: Article, second: Article) -> float:
    return score(article_features(first), article_features(second))


def tfidf_cosine(first: Article, second: Article) -> float:
    return _cosine(_weighted(first), _weighted(second))


def shingles(first: Article, second: Article) -> float:
    def pairs(article: Article) -> set[tuple[str, str]]:
        keys = [item.key for token in first_tokens(_text(article), LEAD_WORDS + 20)
                if (item := word(token)) is not None]  # fmt: skip
        return set(itertools.pairwise(keys))

    one, other = pairs(first), pairs(second)
    return len(one & other) / len(one | other) if one | other else 0.0


def navec_scorer() -> Scorer | None:
    """Mean navec vectors of headline and lead, if natasha (which ships them) is installed."""
    try:
        import numpy as np
        from natasha import NewsEmbedding
    except ImportError:
        return None
    embedding = NewsEmbedding()

    def vector(article: Article) -> object:
        total = np.zeros(300)
        for token in first_tokens(_text(article), LEAD_WORDS + 20):
            item = word(token)
            form = token.lower()
            if item is not None and form in embedding:
                total += embedding[form] * item.weight
        norm = np.linalg.norm(total)
        return total / norm if norm else total

    return lambda first, second: float(vector(first) @ vector(second))


def figures(predicted: Sequence[bool], labels: Sequence[bool]) -> tuple[float, float, float]:
    """Accuracy, precision and recall."""
    hits = sum(p and s for p, s in zip(predicted, labels, strict=True))
    said = sum(predicted)
    same = sum(labels)
    right = sum(p == s for p, s in zip(predicted, labels, strict=True))
    return right / len(labels), hits / said if said else 1.0, hits / same if same else 1.0


def choose_threshold(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Best accuracy with precision of at least 85%, half-way between neighbouring scores."""
    ordered = sorted(set(scores))
    cuts = [(low + high) / 2 for low, high in itertools.pairwise(ordered)]
    best, best_key = 1.0, (-1.0, -1.0)
    for cut in [*cuts, ordered[-1] + 1e-9]:
        accuracy, precision, _ = figures([s >= cut for s in scores], labels)
        key = (float(precision >= LEAST_PRECISION), accuracy)
        if key > best_key:
            best, best_key = cut, key
    return best


def leave_one_out(scores: Sequence[float], labels: Sequence[bool]) -> list[bool]:
    predicted = []
    for index, value in enumerate(scores):
        rest = [*scores[:index], *scores[index + 1 :]]
        rest_labels = [*labels[:index], *labels[index + 1 :]]
        predicted.append(value >= choose_threshold(rest, rest_labels))
    return predicted


def ingest(articles: dict[str, Article]) -> dict[str, int]:
    """Stories of the files as one sorted ingest into an empty database gives them."""
    index = StoryIndex()
    stories = {}
    for number, name in enumerate(sorted(articles), 1):
        article = articles[name]
        stories[name] = index.assign(number, article.published, article_features(article))
    return stories


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--dev", type=Path, help="a folder of unrelated articles to add")
    args = parser.parse_args()
    if not (args.corpus / "pairs.jsonl").is_file():
        sys.exit(f"{args.corpus}: no pairs.jsonl here")
    pairs, articles = load(args.corpus)
    labels = [same for _, _, same in pairs]
    scorers: dict[str, Scorer | None] = {
        "headline-fit": headline_fit,
        "tfidf-cosine": tfidf_cosine,
        "shingles": shingles,
        "navec-cosine": navec_scorer(),
    }
    print(f"{len(pairs)} pairs, {sum(labels)} of one story")
    print(f"{'approach':14} {'check':6} {'accuracy':>8} {'precision':>9} {'recall':>7}")
    for name, scorer in scorers.items():
        if scorer is None:
            print(f"{name:14} skipped: natasha is not installed")
            continue
        scores = [scorer(first, second) for first, second, _ in pairs]
        best = max(
            (figures([s >= cut for s in scores], labels) for cut in sorted(set(scores))),
            key=lambda row: row[0],
        )
        rows = [("loo", leave_one_out(scores, labels))]
        if scorer is headline_fit:
            rows.append(("fixed", [value >= THRESHOLD for value in scores]))
        for check, predicted in rows:
            accuracy, precision, recall = figures(predicted, labels)
            print(f"{name:14} {check:6} {accuracy:8.1%} {precision:9.1%} {recall:7.1%}")
        print(f"{name:14} {'best':6} {best[0]:8.1%} {best[1]:9.1%} {best[2]:7.1%}")

    stories = ingest(articles)
    shared = [
        stories[first.source or ""] == stories[second.source or ""] for first, second, _ in pairs
    ]
    accuracy, precision, recall = figures(shared, labels)
    print(f"ingest of {len(articles)} files: accuracy {accuracy:.1%}, precision {precision:.1%}, "
          f"recall {recall:.1%}")  # fmt: skip
    if args.dev:
        dev = {path.name: parse_article(path.read_bytes(), path.name)
               for path in sorted(args.dev.glob("*.txt"))}  # fmt: skip
        mixed = ingest({**articles, **{f"dev/{name}": a for name, a in dev.items()}})
        pair_of = {
            article.source: number
            for number, (first, second, _) in enumerate(pairs)
            for article in (first, second)
        }
        members: dict[int, set[object]] = {}
        for name, story in mixed.items():
            members.setdefault(story, set()).add(pair_of.get(name, name))
        false = sum(len(group) - 1 for group in members.values())
        print(f"with {len(dev)} unrelated articles: {false} false merges")


if __name__ == "__main__":
    main()
