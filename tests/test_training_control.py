"""Thresholds tuned in fit, class and positive weighting, early stopping and history."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from sk_textcnn import TextCNNClassifier
from sk_textcnn.network import positive_weighted_binary_crossentropy

from .conftest import FAST
from .test_classifier import X_MULTI, Y_MULTI


def fast(**params):
    return TextCNNClassifier(**{**FAST, "random_state": 0, **params})


def test_auto_threshold_is_tuned_per_label_and_used_by_predict():
    model = fast(threshold="auto", epochs=5, validation_fraction=0.3).fit(X_MULTI, Y_MULTI)
    assert model.threshold_.shape == (3,)
    assert not np.allclose(model.threshold_, 0.5)
    proba = model.predict_proba(X_MULTI)
    np.testing.assert_array_equal(model.predict(X_MULTI), (proba >= model.threshold_).astype(int))
    assert set(model.history_) == {"loss", "val_loss", "val_micro_f1", "val_macro_f1"}


def test_auto_threshold_is_at_least_as_good_as_half_on_its_validation_data():
    from sk_textcnn.thresholds import multilabel_train_test_split_indices, tune_thresholds

    model = fast(epochs=3).fit(X_MULTI, Y_MULTI)
    _, held_out = multilabel_train_test_split_indices(Y_MULTI, test_size=0.3, random_state=0)
    proba = model.predict_proba(X_MULTI[held_out])
    tuned = tune_thresholds(Y_MULTI[held_out], proba)
    for average in ("micro", "macro"):
        assert f1_score(Y_MULTI[held_out], proba >= tuned, average=average) >= f1_score(
            Y_MULTI[held_out], proba >= 0.5, average=average
        )


def test_auto_threshold_for_binary_and_refused_for_multiclass():
    y = Y_MULTI[:, 0]
    model = fast(threshold="auto", epochs=2).fit(X_MULTI, y)
    assert model.threshold_.shape == (1,)
    with pytest.raises(ValueError, match="most probable class"):
        fast(threshold="auto", epochs=1).fit(X_MULTI, np.arange(60) % 3)


def test_positive_weight_changes_the_loss():
    y_true = np.array([[1.0, 0.0], [1.0, 1.0]], np.float32)
    y_pred = np.array([[0.2, 0.3], [0.6, 0.9]], np.float32)
    plain = np.asarray(positive_weighted_binary_crossentropy([1, 1])(y_true, y_pred))
    weighted = np.asarray(positive_weighted_binary_crossentropy([3, 1])(y_true, y_pred))
    expected = -(np.log(y_pred) * y_true + np.log(1 - y_pred) * (1 - y_true)).mean(axis=1)
    np.testing.assert_allclose(plain, expected, rtol=1e-5)
    np.testing.assert_allclose(weighted - plain, -np.log(y_pred[:, 0]), rtol=1e-5)


def test_balanced_positive_weight_raises_recall_of_a_rare_label():
    y = Y_MULTI.copy()
    y[10:, 2] = 0  # label 2 becomes rare
    plain = fast(epochs=5).fit(X_MULTI, y)
    weighted = fast(epochs=5, positive_weight="balanced").fit(X_MULTI, y)
    positives = y[:, 2].sum()
    np.testing.assert_allclose(weighted.positive_weight_[2], (60 - positives) / positives)
    assert (
        weighted.predict_proba(X_MULTI)[y[:, 2] == 1, 2].mean()
        > plain.predict_proba(X_MULTI)[y[:, 2] == 1, 2].mean()
    )


@pytest.mark.parametrize(
    "params, y, match",
    [
        ({"positive_weight": [1.0, 2.0]}, Y_MULTI, "one value per label"),
        ({"positive_weight": [1.0, 0.0, 2.0]}, Y_MULTI, "must be positive"),
        ({"positive_weight": "balanced"}, np.arange(60) % 3, "use class_weight"),
        ({"class_weight": "balanced"}, Y_MULTI, "use positive_weight"),
    ],
)
def test_bad_weights(params, y, match):
    with pytest.raises(ValueError, match=match):
        fast(epochs=1, **params).fit(X_MULTI, y)


def test_class_weight_and_sample_weight_are_honoured():
    y = Y_MULTI[:, 0]
    base = fast(epochs=3).fit(X_MULTI, y).predict_proba(X_MULTI)[:, 1]
    heavy_positive = fast(epochs=3, class_weight={0: 1, 1: 20}).fit(X_MULTI, y)
    assert heavy_positive.predict_proba(X_MULTI)[:, 1].mean() > base.mean()
    weights = np.where(y == 1, 20.0, 1.0)
    by_sample = fast(epochs=3).fit(X_MULTI, y, sample_weight=weights)
    np.testing.assert_allclose(
        by_sample.predict_proba(X_MULTI),
        heavy_positive.predict_proba(X_MULTI),
        rtol=1e-5,
        atol=1e-6,
    )


def test_early_stopping_stops_and_keeps_the_best_epoch():
    # A learning rate this high overfits 42 documents within a few epochs.
    model = fast(
        epochs=40,
        early_stopping=True,
        n_iter_no_change=2,
        learning_rate=0.1,
        validation_fraction=0.3,
    ).fit(X_MULTI, Y_MULTI)
    epochs_run = len(model.history_["loss"])
    assert epochs_run < 40
    assert model.best_epoch_ == epochs_run - 2
    assert len(model.history_["val_loss"]) == epochs_run
    assert model.history_["val_loss"][model.best_epoch_ - 1] == min(model.history_["val_loss"])


EMPTY_DOCUMENT = np.zeros((1, X_MULTI.shape[1]), dtype=np.int32)


@pytest.mark.parametrize(
    ("y", "params", "expected"),
    [
        # Smoothed label frequencies: (positives + 0.5) / (n + 1).
        (Y_MULTI, {}, (Y_MULTI.sum(axis=0) + 0.5) / 61),
        # Positive weight w turns the optimal constant's odds p / (1 - p) into w * p / (1 - p).
        (
            Y_MULTI,
            {"positive_weight": [3.0, 1.0, 1.0]},
            1
            / (
                1
                + (61 - Y_MULTI.sum(axis=0) - 0.5)
                / (np.array([3, 1, 1]) * (Y_MULTI.sum(axis=0) + 0.5))
            ),
        ),
        (np.arange(60) % 3 == 0, {}, [40.5 / 61, 20.5 / 61]),
        (np.arange(60) % 3 == 0, {"class_weight": "balanced"}, [0.5, 0.5]),
        (np.arange(60) % 4 % 3, {}, [30.5 / 61.5, 15.5 / 61.5, 15.5 / 61.5]),
    ],
    ids=["multilabel", "positive_weight", "binary", "binary_balanced", "multiclass"],
)
def test_a_document_without_evidence_scores_the_base_rates(y, params, expected):
    # A learning rate this small leaves the network as initialized; an empty document has all
    # pooled features 0 and so scores exactly the output bias.
    model = fast(learning_rate=1e-12, epochs=1, **params).fit(X_MULTI, y)
    np.testing.assert_allclose(model.predict_proba(EMPTY_DOCUMENT)[0], expected, rtol=1e-4)


def test_empty_documents_stay_below_one_half_after_training():
    model = fast(epochs=10).fit(X_MULTI, Y_MULTI)
    assert (model.predict_proba(EMPTY_DOCUMENT) < 0.5).all()


def test_at_least_one_label_fills_only_the_empty_rows():
    model = fast(epochs=3).fit(X_MULTI, Y_MULTI)
    proba = model.predict_proba(X_MULTI)
    plain = model.predict(X_MULTI)
    filled = model.set_params(at_least_one_label=True).predict(X_MULTI)
    empty = plain.sum(axis=1) == 0
    assert empty.any() and (filled.sum(axis=1) >= 1).all()
    np.testing.assert_array_equal(filled[~empty], plain[~empty])
    np.testing.assert_array_equal(filled[empty].argmax(axis=1), proba[empty].argmax(axis=1))
    assert (filled[empty].sum(axis=1) == 1).all()


@pytest.mark.parametrize("y", [Y_MULTI[:, 0], np.arange(60) % 3], ids=["binary", "multiclass"])
def test_at_least_one_label_is_refused_for_single_label_targets(y):
    with pytest.raises(ValueError, match="at_least_one_label applies to multi-label targets"):
        fast(epochs=1, at_least_one_label=True).fit(X_MULTI, y)


def test_weight_averaging_at_momentum_zero_changes_nothing():
    plain = fast(ema_momentum=None).fit(X_MULTI, Y_MULTI)
    zero = fast(ema_momentum=0.0).fit(X_MULTI, Y_MULTI)
    averaged = fast(ema_momentum=0.9, epochs=30).fit(X_MULTI, Y_MULTI)
    assert plain.ema_momentum_ is None and zero.ema_momentum_ == 0.0
    np.testing.assert_allclose(zero.predict_proba(X_MULTI), plain.predict_proba(X_MULTI), atol=1e-6)
    last_step = fast(ema_momentum=None, epochs=30).fit(X_MULTI, Y_MULTI)
    assert np.abs(averaged.predict_proba(X_MULTI) - last_step.predict_proba(X_MULTI)).max() > 1e-3


@pytest.mark.parametrize(
    ("batch_size", "epochs", "expected"),
    # 2 steps per epoch: 20 steps, so the average spans at most 2 (momentum 0.5).
    # 60 steps per epoch: 1,020 steps, enough for the requested 0.99.
    [(32, 10, 0.5), (1, 17, 0.99)],
)
def test_weight_averaging_momentum_is_lowered_for_short_fits(batch_size, epochs, expected):
    model = fast(batch_size=batch_size, epochs=epochs).fit(X_MULTI, Y_MULTI)
    assert model.ema_momentum_ == pytest.approx(expected)
