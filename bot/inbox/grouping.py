"""Similar messages in one group: TF-IDF over characters (robust to typos and to the
placeholders redaction leaves), linked when their cosine similarity reaches a threshold."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.inbox.views import ItemView

SIMILAR_AT = 0.45


@dataclass(frozen=True)
class Group:
    items: tuple[ItemView, ...]  # most frequent first
    count: int  # messages behind the group, duplicates included
    suggestions: tuple[tuple[str, float], ...]  # top three intents, count-weighted

    @property
    def text(self) -> str:
        return self.items[0].text


def group_items(items: Sequence[ItemView], *, similar_at: float = SIMILAR_AT) -> list[Group]:
    if not items:
        return []
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(items) > 1:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        matrix = vectors.fit_transform([item.text.casefold() for item in items])
        similarity = (matrix @ matrix.T).tocoo()
        for i, j, value in zip(similarity.row, similarity.col, similarity.data, strict=True):
            if i < j and value >= similar_at:
                parent[root(int(i))] = root(int(j))
    members: dict[int, list[ItemView]] = defaultdict(list)
    for index, item in enumerate(items):
        members[root(index)].append(item)
    groups = [_group(group) for group in members.values()]
    return sorted(groups, key=lambda g: (-g.count, g.items[0].id))


def _group(items: list[ItemView]) -> Group:
    ordered = tuple(sorted(items, key=lambda item: (-item.count, item.id)))
    count = sum(item.count for item in items)
    scores: dict[str, float] = defaultdict(float)
    for item in items:
        for intent, confidence in item.suggestions:
            scores[intent] += confidence * item.count
    top = sorted(scores.items(), key=lambda pair: -pair[1])[:3]
    return Group(ordered, count, tuple((intent, round(score / count, 4)) for intent, score in top))
