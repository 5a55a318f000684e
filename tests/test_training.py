"""The epoch loop: early stopping, weight averaging, history and what it prints."""

import warnings

import numpy as np
import pytest

from .conftest import X_MULTI, Y_MULTI, fast


def test_fitting_is_quiet(capfd):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast(epochs=2).fit(X_MULTI, Y_MULTI).predict(X_MULTI)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_verbose_prints_the_loss(capsys):
    fast(epochs=2, verbose=1).fit(X_MULTI, Y_MULTI)
    assert capsys.readouterr().out.count("loss:") == 2


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


@pytest.mark.parametrize(
    "params, sample_weight",
    [
        ({"learning_rate": 1e6, "optimizer": "sgd"}, None),
        ({}, np.full(60, 1e30)),
    ],
    ids=["learning_rate", "sample_weight"],
)
def test_diverging_training_stops_with_a_clear_error(params, sample_weight):
    model = fast(epochs=2).fit(X_MULTI, Y_MULTI)
    proba = model.predict_proba(X_MULTI)
    with pytest.raises(ValueError, match=r"Training diverged.*learning_rate.*sample_weight"):
        model.set_params(**params).fit(X_MULTI, Y_MULTI, sample_weight=sample_weight)
    # The diverged network is dropped: the previous fit still predicts.
    np.testing.assert_array_equal(model.predict_proba(X_MULTI), proba)
    with pytest.raises(ValueError, match="Training diverged"):
        fast(epochs=2, threshold="auto", **params).fit(
            X_MULTI, Y_MULTI, sample_weight=sample_weight
        )
