import pytest
from sklearn.metrics import f1_score

from tests.tools.evaluation.factories import near
from tools.evaluation.metrics import (
    Confusion,
    Scores,
    accuracy,
    confused_pairs,
    entity_scores,
    label_scores,
    macro_f1,
    per_label_scores,
    percentile,
    rate,
    scores_from_counts,
)

# a: 2 of 3 right, never wrongly predicted; b: 1 of 2 right, once predicted for an a;
# c: its one example right, once predicted for a b.
TRUTH = ["a", "a", "a", "b", "b", "c"]
PREDICTED = ["a", "a", "b", "b", "c", "c"]


def test_scores_from_counts() -> None:
    assert scores_from_counts(tp=3, fp=1, fn=2) == Scores(
        precision=0.75, recall=0.6, f1=near(2 / 3), support=5
    )


def test_scores_are_zero_when_nothing_was_predicted_or_expected() -> None:
    assert scores_from_counts(tp=0, fp=0, fn=0) == Scores(0.0, 0.0, 0.0, 0)
    assert scores_from_counts(tp=0, fp=0, fn=4) == Scores(0.0, 0.0, 0.0, 4)


def test_accuracy_is_the_share_of_matches() -> None:
    assert accuracy(TRUTH, PREDICTED) == pytest.approx(4 / 6)
    assert accuracy([], []) == 0.0


def test_accuracy_refuses_sequences_of_different_lengths() -> None:
    with pytest.raises(ValueError):
        accuracy(["a", "b"], ["a"])


def test_rate_counts_one_label() -> None:
    assert rate(["nlu_fallback", "a", "nlu_fallback", "b"], "nlu_fallback") == 0.5
    assert rate([], "nlu_fallback") == 0.0


def test_per_label_scores_by_hand() -> None:
    assert per_label_scores(TRUTH, PREDICTED) == {
        "a": Scores(precision=1.0, recall=near(2 / 3), f1=near(0.8), support=3),
        "b": Scores(precision=0.5, recall=0.5, f1=0.5, support=2),
        "c": Scores(precision=0.5, recall=1.0, f1=near(2 / 3), support=1),
    }


def test_macro_f1_is_the_unweighted_mean() -> None:
    assert macro_f1(TRUTH, PREDICTED) == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert macro_f1([], []) == 0.0


def test_macro_f1_matches_sklearn_over_the_true_labels() -> None:
    truth = [*TRUTH, "c"]
    predicted = [*PREDICTED, "nlu_fallback"]  # a label no example has

    expected = f1_score(truth, predicted, labels=["a", "b", "c"], average="macro")

    assert macro_f1(truth, predicted) == pytest.approx(expected)


def test_label_scores_treat_none_as_just_another_label() -> None:
    truth = ["conflict", "conflict", "service", "informative"]
    predicted = ["conflict", "service", "conflict", None]

    assert label_scores(truth, predicted, "conflict") == Scores(0.5, 0.5, 0.5, 2)


def test_confused_pairs_are_ranked_by_count_then_name() -> None:
    truth = ["b", "b", "a", "a", "a", "c"]
    predicted = ["c", "a", "c", "c", "a", "c"]

    assert confused_pairs(truth, predicted) == [
        Confusion("a", "c", 2),
        Confusion("b", "a", 1),
        Confusion("b", "c", 1),
    ]
    assert confused_pairs(truth, predicted, top=1) == [Confusion("a", "c", 2)]


def test_entity_scores_need_the_exact_span() -> None:
    gold = [
        frozenset({("product", 0, 5), ("order_number", 10, 16)}),
        frozenset({("email", 3, 10)}),
        frozenset(),
    ]
    predicted = [
        frozenset({("product", 0, 5), ("order_number", 9, 16)}),  # `#` included: wrong
        frozenset({("email", 3, 10)}),
        frozenset({("product", 2, 4)}),
    ]

    assert entity_scores(gold, predicted) == {
        "email": Scores(1.0, 1.0, 1.0, 1),
        "order_number": Scores(0.0, 0.0, 0.0, 1),
        "product": Scores(0.5, 1.0, near(2 / 3), 1),
    }


def test_percentile_interpolates_like_numpy() -> None:
    values = [4.0, 1.0, 3.0, 2.0]

    assert percentile(values, 50) == pytest.approx(2.5)
    assert percentile(values, 95) == pytest.approx(3.85)
    assert (percentile(values, 0), percentile(values, 100)) == (1.0, 4.0)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) == 0.0
