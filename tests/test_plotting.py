"""HistoryDisplay, LabelF1Display and ThresholdDisplay: what they draw, from what."""

import pickle
import sys

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline

from sk_textcnn import (
    MultiLabelThresholdClassifier,
    MultiLabelVotingClassifier,
    SequenceVectorizer,
    TextCNNClassifier,
)

from .helpers import FAST, SENTIMENT_LABELS, SENTIMENT_TEXTS, X_MULTI, Y_MULTI, fast, reviews

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sk_textcnn.plotting import HistoryDisplay, LabelF1Display, ThresholdDisplay  # noqa: E402

TEXTS = SENTIMENT_TEXTS
LABELS = np.array(SENTIMENT_LABELS)
# Three labels of different frequency: positive, negative, and "film" documents.
TOPICS = np.array(
    [
        [label == "pos", label == "neg", "film" in text]
        for text, label in zip(TEXTS, LABELS, strict=True)
    ],
    dtype=int,
)
NAMES = ["pos", "neg", "cinema"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def multilabel_pipeline():
    # No validation split: the history then holds the training loss alone.
    classifier = TextCNNClassifier(
        **FAST, threshold=[0.3, 0.5, 0.7], early_stopping=False, linear_term=False, random_state=0
    )
    return make_pipeline(SequenceVectorizer(), classifier).fit(TEXTS, TOPICS)


@pytest.fixture(scope="module")
def binary_pipeline():
    # Distinct documents enough for a validation split.
    classifier = TextCNNClassifier(**FAST, early_stopping=True, random_state=0)
    return make_pipeline(SequenceVectorizer(), classifier).fit(*reviews())


def linear_multilabel():
    return make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LogisticRegression()))


# ---------------------------------------------------------------------------- HistoryDisplay


def test_history_draws_validation_curves_and_marks_the_best_epoch(binary_pipeline):
    classifier = binary_pipeline[-1]
    display = HistoryDisplay.from_estimator(binary_pipeline)
    assert sorted(display.lines_) == ["loss", "val_loss", "val_macro_f1", "val_micro_f1"]
    for key, line in display.lines_.items():
        np.testing.assert_allclose(line.get_ydata(), classifier.history_[key])
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(line.get_ydata()) + 1))
    assert display.lines_["val_micro_f1"].axes is display.ax_f1_
    assert display.kept_line_.get_xdata()[0] == classifier.best_epoch_
    assert f"epoch {classifier.best_epoch_}" in display.kept_line_.get_label()
    assert (display.ax_.get_xlabel(), display.ax_.get_ylabel()) == ("epoch", "loss")
    assert display.ax_.get_title() == "TextCNNClassifier"
    assert display.figure_ is display.ax_.figure


def test_history_without_validation_marks_the_last_epoch(multilabel_pipeline):
    _, ax = plt.subplots()
    display = HistoryDisplay.from_estimator(multilabel_pipeline, ax=ax, name="mine")
    assert display.ax_ is ax
    assert list(display.lines_) == ["loss"]
    assert display.ax_f1_ is None
    assert display.kept_line_.get_xdata()[0] == FAST["epochs"]
    assert ax.get_title() == "mine"


def test_history_finds_the_network_inside_an_ensemble(multilabel_pipeline):
    cnn = make_pipeline(SequenceVectorizer(), TextCNNClassifier(**FAST, random_state=1))
    ensemble = MultiLabelVotingClassifier([("linear", linear_multilabel()), ("cnn", cnn)])
    ensemble.fit(TEXTS, TOPICS)
    display = HistoryDisplay.from_estimator(ensemble)
    inner = ensemble.named_estimators_["cnn"][-1]
    np.testing.assert_allclose(display.lines_["loss"].get_ydata(), inner.history_["loss"])


def test_history_refuses_a_model_without_one():
    model = linear_multilabel().fit(TEXTS, TOPICS)
    with pytest.raises(TypeError, match="OneVsRestClassifier keeps no history_"):
        HistoryDisplay.from_estimator(model)


def test_history_refuses_an_unfitted_model():
    with pytest.raises(Exception, match="not fitted"):
        HistoryDisplay.from_estimator(TextCNNClassifier())


# ---------------------------------------------------------------------------- LabelF1Display


def test_label_f1_bars_follow_support(multilabel_pipeline):
    display = LabelF1Display.from_estimator(multilabel_pipeline, TEXTS, TOPICS, label_names=NAMES)
    f1 = f1_score(TOPICS, multilabel_pipeline.predict(TEXTS), average=None, zero_division=0)
    support = TOPICS.sum(axis=0)
    order = np.argsort(-support, kind="stable")
    np.testing.assert_allclose([bar.get_height() for bar in display.bars_], f1[order])
    ticks = [tick.get_text() for tick in display.ax_.get_xticklabels()]
    assert ticks == [NAMES[j] for j in order]
    np.testing.assert_array_equal(display.support_line_.get_ydata(), support[order])
    assert display.ax_support_.get_yscale() == "log"
    assert display.macro_line_.get_ydata()[0] == pytest.approx(f1.mean())
    assert display.ax_.get_ylabel() == "F1"
    assert display.ax_.get_title() == "TextCNNClassifier"


def test_label_f1_and_thresholds_of_a_model_fitted_on_label_lists():
    lists = [tuple(np.array(NAMES)[row == 1]) for row in TOPICS]
    classifier = TextCNNClassifier(**FAST, early_stopping=False, linear_term=False, random_state=0)
    model = make_pipeline(SequenceVectorizer(), classifier).fit(TEXTS, lists)
    classes = model.classes_.tolist()
    assert classes == sorted(NAMES)
    indicator = TOPICS[:, [NAMES.index(name) for name in classes]]
    predicted = np.array([[name in labels for name in classes] for labels in model.predict(TEXTS)])
    f1 = f1_score(indicator, predicted, average=None, zero_division=0)
    order = np.argsort(-indicator.sum(axis=0), kind="stable")
    for y in (lists, indicator):  # label lists, or their indicator over classes_
        display = LabelF1Display.from_estimator(model, TEXTS, y)
        np.testing.assert_allclose([bar.get_height() for bar in display.bars_], f1[order])
        ticks = [tick.get_text() for tick in display.ax_.get_xticklabels()]
        assert ticks == [classes[j] for j in order]
    display = ThresholdDisplay.from_estimator(model, TEXTS, lists)
    assert sorted(line.get_label() for line in display.lines_) == sorted(classes)


def test_label_f1_from_class_labels_keeps_the_given_order():
    y_true = ["b", "a", "a", "c", "a", "b"]
    y_pred = ["b", "a", "c", "c", "a", "a"]
    display = LabelF1Display.from_predictions(y_true, y_pred, label_names=["c", "b", "a", "d"])
    f1 = f1_score(y_true, y_pred, labels=["c", "b", "a", "d"], average=None, zero_division=0)
    np.testing.assert_allclose(display.f1, f1)
    # Drawn by support: a (3), b (2), c (1), then d, which is neither true nor predicted.
    ticks = [tick.get_text() for tick in display.ax_.get_xticklabels()]
    assert ticks == ["a", "b", "c", "d"]
    assert np.isnan(display.support_line_.get_ydata()[-1])
    # The macro line leaves out d, which has no support.
    assert display.macro_line_.get_ydata()[0] == pytest.approx(f1[:3].mean())


def test_label_f1_checks_the_names():
    with pytest.raises(ValueError, match="label_names has 2 names for 3 labels"):
        LabelF1Display.from_predictions(TOPICS, TOPICS, label_names=["a", "b"])


# ---------------------------------------------------------------------------- ThresholdDisplay


def f1_at(y, scores, threshold):
    return f1_score(y, scores >= threshold, zero_division=0)


def test_thresholds_mark_each_label_at_the_model_threshold(multilabel_pipeline):
    display = ThresholdDisplay.from_estimator(multilabel_pipeline, TEXTS, TOPICS, label_names=NAMES)
    proba = multilabel_pipeline.predict_proba(TEXTS)
    # All three labels have 16 positives, so they keep their column order.
    assert [line.get_label() for line in display.lines_] == NAMES
    for j, (line, mark) in enumerate(zip(display.lines_, display.marks_, strict=True)):
        grid, curve = line.get_xdata(), line.get_ydata()
        for k in (10, 50, 90):
            assert curve[k] == pytest.approx(f1_at(TOPICS[:, j], proba[:, j], grid[k]))
        threshold = [0.3, 0.5, 0.7][j]
        assert mark.get_xdata()[0] == threshold
        assert mark.get_ydata()[0] == pytest.approx(f1_at(TOPICS[:, j], proba[:, j], threshold))
        assert mark.get_color() == line.get_color()
    assert (display.ax_.get_xlabel(), display.ax_.get_ylabel()) == ("threshold", "F1")


def test_thresholds_of_a_binary_model(binary_pipeline):
    display = ThresholdDisplay.from_estimator(binary_pipeline, TEXTS, LABELS)
    (line,) = display.lines_
    assert line.get_label() == "pos"
    (mark,) = display.marks_
    assert mark.get_xdata()[0] == 0.5
    proba = binary_pipeline.predict_proba(TEXTS)[:, 1]
    assert mark.get_ydata()[0] == pytest.approx(f1_at(LABELS == "pos", proba, 0.5))


def test_thresholds_mark_the_threshold_set_after_fit(binary_pipeline):
    # set_params(threshold=...) acts without a refit: the mark follows what predict applies.
    moved = pickle.loads(pickle.dumps(binary_pipeline))  # a copy: the fixture is shared
    moved.set_params(textcnnclassifier__threshold=0.9)
    proba = moved.predict_proba(TEXTS)[:, 1]
    np.testing.assert_array_equal(moved.predict(TEXTS) == "pos", proba >= 0.9)
    display = ThresholdDisplay.from_estimator(moved, TEXTS, LABELS)
    np.testing.assert_array_equal(display.model_thresholds, [0.9])
    assert display.marks_[0].get_ydata()[0] == pytest.approx(f1_at(LABELS == "pos", proba, 0.9))


def test_thresholds_read_tuned_thresholds_and_draw_the_most_frequent_labels():
    Y = np.hstack([TOPICS, TOPICS[:, :1] * np.arange(len(TOPICS))[:, None] % 2])
    model = MultiLabelThresholdClassifier(linear_multilabel(), random_state=0).fit(TEXTS, Y)
    display = ThresholdDisplay.from_estimator(model, TEXTS, Y, max_labels=2)
    # Columns 0-2 have 16 positives, column 3 has 8: the first two drawn, in column order.
    assert [line.get_label() for line in display.lines_] == ["0", "1"]
    assert [mark.get_xdata()[0] for mark in display.marks_] == list(model.thresholds_[:2])


def test_thresholds_without_model_thresholds_draw_no_marks():
    scores = TOPICS * 0.75 + 0.1
    display = ThresholdDisplay.from_predictions(TOPICS, scores, label_names=NAMES)
    assert display.marks_ == []
    assert len(display.lines_) == 3
    expected = [f1_at(TOPICS[:, 0], scores[:, 0], t) for t in display.thresholds]
    np.testing.assert_allclose(display.lines_[0].get_ydata(), expected)
    # Everything is a yes at 0, nothing above the positives' score.
    assert expected[0] == pytest.approx(2 / 3) and expected[-1] == 0


def test_thresholds_refuse_multiclass_and_mismatched_shapes():
    labels = np.array(["a", "b", "c"] * 10)
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(
        [f"word{i % 3}" for i in range(30)], labels
    )
    with pytest.raises(ValueError, match="binary and multi-label"):
        ThresholdDisplay.from_estimator(model, [f"word{i % 3}" for i in range(30)], labels)
    with pytest.raises(ValueError, match="same shape"):
        ThresholdDisplay.from_predictions(TOPICS, TOPICS[:, :2])


# ---------------------------------------------------------------------------- matplotlib


def test_drawing_without_matplotlib_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'sk-textcnn\[plot\]'"):
        LabelF1Display.from_predictions(["a", "b"], ["a", "a"])


def test_importing_the_package_and_its_command_leaves_plotting_out():
    import subprocess

    code = "import sys, sk_textcnn, sk_textcnn.cli; print('sk_textcnn.plotting' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_history_draws_the_loss_of_a_refitted_network():
    classifier = fast(epochs=4, early_stopping=True, linear_term=False, threshold=0.5)
    display = HistoryDisplay.from_estimator(classifier.fit(X_MULTI, Y_MULTI))
    refit = display.lines_["refit_loss"]
    np.testing.assert_allclose(refit.get_ydata(), classifier.history_["refit_loss"])
    assert len(refit.get_ydata()) == classifier.best_epoch_ and refit.axes is display.ax_
