"""The epoch loop: early stopping, weight averaging, history, callbacks and what it prints."""

import csv
import importlib.util
import os
import pickle
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sk_textcnn import classifier as classifier_module

from .helpers import X_MULTI, Y_MULTI, fast, jax_known_failure


@jax_known_failure("Keras 3.15's JAX backend raises NumPy 2's __array__ DeprecationWarning")
def test_fitting_is_quiet(capfd):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast(epochs=2).fit(X_MULTI, Y_MULTI).predict(X_MULTI)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_verbose_2_prints_one_line_per_epoch_with_validation_scores(capsys):
    fast(epochs=3, verbose=2, early_stopping=True).fit(X_MULTI, Y_MULTI)
    lines = [line for line in capsys.readouterr().out.splitlines() if "loss:" in line]
    assert len(lines) == 3
    assert all("val_loss:" in line and "val_micro_f1:" in line for line in lines)
    assert all(line.startswith("2/2 ") for line in lines)  # 54 training documents, batch 32


def test_verbose_1_shows_a_progress_bar_per_epoch(capsys):
    fast(epochs=2, verbose=1, batch_size=10).fit(X_MULTI, Y_MULTI)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    # One update per step of 10 documents, with the running loss.
    assert "1/6" in out and "6/6" in out and "step - loss:" in out


# Keras' TensorBoard callback trips Keras' own NumPy 2 deprecation (its __array__ signature).
KERAS_ARRAY_DEPRECATION = pytest.mark.filterwarnings(
    "ignore:__array__ implementation:DeprecationWarning"
)


class Recorder(keras.callbacks.Callback):
    """Records every hook called, with its logs; stops training at ``stop_at`` (epoch, step)."""

    def __init__(self, stop_at=None):
        super().__init__()
        self.stop_at = stop_at
        self.calls = []

    def record(self, hook, *args, logs=None):
        self.calls.append((hook, *args, dict(logs or {})))
        assert self.model is not None

    def on_train_begin(self, logs=None):
        self.record("train_begin", logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.record("epoch_begin", epoch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None):
        self.record("batch_begin", batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.record("batch_end", batch, logs=logs)
        if self.stop_at == (self.epoch, batch):
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.record("epoch_end", epoch, logs=logs)

    def on_train_end(self, logs=None):
        self.record("train_end", logs=logs)


def test_callbacks_get_the_hooks_of_model_fit_in_order_with_the_logs():
    recorder = Recorder()
    model = fast(epochs=2, batch_size=20, callbacks=[recorder], early_stopping=True)
    model.fit(X_MULTI, Y_MULTI)  # 54 training documents: 3 steps per epoch
    assert model.callbacks[0] is recorder  # the instance given is the one called
    hooks = [call[:2] if call[0] != "train_begin" else call[:1] for call in recorder.calls]
    per_epoch = lambda e: [  # noqa: E731
        ("epoch_begin", e),
        *[hook for step in range(3) for hook in (("batch_begin", step), ("batch_end", step))],
        ("epoch_end", e),
    ]
    assert hooks[0] == ("train_begin",) and recorder.calls[-1][0] == "train_end"
    assert hooks[1:-1] == per_epoch(0) + per_epoch(1)
    epoch_logs = [call[2] for call in recorder.calls if call[0] == "epoch_end"]
    assert set(epoch_logs[0]) == {"loss", "val_loss", "val_micro_f1", "val_macro_f1"}
    assert [logs["loss"] for logs in epoch_logs] == model.history_["loss"]
    assert [logs["val_loss"] for logs in epoch_logs] == model.history_["val_loss"]
    # At a batch's end the loss is the running mean; after the last step it is the epoch's.
    last_step = [call[2] for call in recorder.calls if call[:2] == ("batch_end", 2)]
    assert last_step[0]["loss"] == pytest.approx(model.history_["loss"][0])
    assert recorder.model is model.model_


def test_a_callback_setting_stop_training_ends_the_fit():
    recorder = Recorder(stop_at=(1, 0))
    model = fast(epochs=5, batch_size=20, callbacks=[recorder]).fit(X_MULTI, Y_MULTI)
    assert len(model.history_["loss"]) == 2
    steps = [call[1] for call in recorder.calls if call[0] == "batch_end"]
    assert steps == [0, 1, 2, 0]
    model.predict_proba(X_MULTI)


def test_keras_stopping_callbacks_work():
    terminate = keras.callbacks.EarlyStopping(monitor="val_loss", patience=0, min_delta=10.0)
    model = fast(epochs=6, callbacks=[terminate], early_stopping=True, n_iter_no_change=5)
    model.fit(X_MULTI, Y_MULTI)
    assert len(model.history_["loss"]) == 2  # no improvement of 10 after the first epoch


def test_csv_logger_writes_a_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    model = fast(epochs=3, callbacks=[keras.callbacks.CSVLogger(str(path))], early_stopping=True)
    model.fit(X_MULTI, Y_MULTI)
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert [int(row["epoch"]) for row in rows] == [0, 1, 2]
    assert set(rows[0]) == {"epoch", "loss", "val_loss", "val_micro_f1", "val_macro_f1"}
    np.testing.assert_allclose([float(row["loss"]) for row in rows], model.history_["loss"])


@KERAS_ARRAY_DEPRECATION
def test_tensorboard_writes_event_files(tmp_path):
    pytest.importorskip("tensorboard")
    board = keras.callbacks.TensorBoard(log_dir=str(tmp_path), write_graph=False)
    model = fast(epochs=2, callbacks=[board], early_stopping=True).fit(X_MULTI, Y_MULTI)
    events = [name for _, _, names in os.walk(tmp_path) for name in names]
    assert any(name.startswith("events.out.tfevents") for name in events)
    assert len(model.history_["loss"]) == 2


def test_partial_fit_calls_the_given_callback_once_per_step():
    recorder = Recorder()
    model = fast(batch_size=20, callbacks=[recorder], early_stopping=False, threshold=0.5)
    model.partial_fit(X_MULTI, Y_MULTI).partial_fit(X_MULTI, Y_MULTI)  # 60 documents: 3 steps
    steps = [call[1] for call in recorder.calls if call[0] == "batch_end"]
    assert steps == [0, 1, 2, 0, 1, 2]
    assert [call[1] for call in recorder.calls if call[0] == "epoch_end"] == [0, 1]


@KERAS_ARRAY_DEPRECATION
def test_clone_pickle_and_grid_search_keep_working_with_used_callbacks(tmp_path):
    callbacks = [Recorder(), keras.callbacks.CSVLogger(str(tmp_path / "log.csv"))]
    if importlib.util.find_spec("tensorboard"):
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(tmp_path / "board")))
    model = fast(epochs=2, callbacks=callbacks).fit(X_MULTI, Y_MULTI)
    recorded = len(callbacks[0].calls)
    assert recorded and callbacks[0].model is model.model_
    # Copies of the callbacks as they were before training: used ones hold the network, and
    # CSVLogger and TensorBoard a closed file and summary writers that cannot be copied.
    copy = clone(model)
    assert [type(c) for c in copy.callbacks] == [type(c) for c in callbacks]
    assert copy.callbacks[0] is not callbacks[0] and copy.callbacks[0].calls == []
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X_MULTI), model.predict_proba(X_MULTI))
    assert restored.callbacks[0].calls == [] and restored.callbacks[0].model is None
    copy.fit(X_MULTI, Y_MULTI)
    assert len(copy.callbacks[0].calls) == recorded and len(callbacks[0].calls) == recorded
    # A refit calls the same instances again, and clone still copies them untrained.
    model.fit(X_MULTI, Y_MULTI)
    assert len(callbacks[0].calls) == 2 * recorded and clone(model).callbacks[0].calls == []
    given = Recorder()
    search = GridSearchCV(fast(epochs=1, callbacks=[given]), {"batch_size": [16, 32]}, cv=2)
    search.fit(X_MULTI, Y_MULTI)
    assert search.best_estimator_.callbacks[0].calls[0][0] == "train_begin"
    assert given.calls == []  # every fit of the search ran a clone's copy


@KERAS_ARRAY_DEPRECATION
def test_a_callback_shared_by_two_estimators_is_copied_untrained(tmp_path):
    logger = keras.callbacks.CSVLogger(str(tmp_path / "log.csv"))
    fast(epochs=1, callbacks=[logger]).fit(X_MULTI, Y_MULTI)
    # A second estimator given the used logger: its fit, clone and pickle still work.
    other = fast(epochs=1, callbacks=[logger], batch_size=16)
    assert type(clone(other).callbacks[0]) is keras.callbacks.CSVLogger
    other.fit(X_MULTI, Y_MULTI)
    restored = pickle.loads(pickle.dumps(other))
    assert restored.callbacks[0] is not logger and restored.callbacks[0].model is None
    assert clone(fast(callbacks=[])).get_params()["callbacks"] == []


def test_callbacks_must_be_keras_callbacks():
    with pytest.raises(TypeError, match="callbacks must be a list of keras.callbacks.Callback"):
        fast(epochs=1, callbacks=[print]).fit(X_MULTI, Y_MULTI)
    with pytest.raises(ValueError, match="callbacks"):
        fast(epochs=1, callbacks=Recorder()).fit(X_MULTI, Y_MULTI)


SILENT_FITS = """
import sys
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sk_textcnn import SequenceVectorizer, TextCNNClassifier

X = np.random.default_rng(0).integers(2, 50, size=(40, 12)); y = np.arange(40) % 2
for i in range(4):
    TextCNNClassifier(epochs=2, random_state=i).fit(X, y).predict_proba(X)
texts = ["good film", "great movie", "bad film", "awful movie", "a good story"] * 6
labels = [1, 1, 0, 0, 1] * 6
pipeline = make_pipeline(
    SequenceVectorizer(),
    TextCNNClassifier(embedding_dim=8, num_filters=4, filter_sizes=(2,), epochs=1),
)
grid = {
    "textcnnclassifier__batch_size": [8, 16],
    "textcnnclassifier__learning_rate": [0.01, 0.1],
    "textcnnclassifier__random_state": [0, 1],
}
GridSearchCV(pipeline, grid, cv=3).fit(texts, labels)
"""


@jax_known_failure("JAX's XLA client logs its start at TF_CPP_MIN_LOG_LEVEL=0 (not muted)")
@pytest.mark.parametrize("log_level", [None, "0"])
def test_repeated_fits_and_a_grid_search_print_nothing(log_level):
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    if log_level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = log_level
    done = subprocess.run(
        [sys.executable, "-c", SILENT_FITS], capture_output=True, text=True, env=env, check=True
    )
    assert (done.stdout, done.stderr) == ("", "")


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


@pytest.mark.parametrize("minimum, stops", [(18, True), (19, False)])
def test_auto_early_stopping_needs_enough_held_out_documents(monkeypatch, minimum, stops):
    # 18 of the 60 distinct documents are held out; the same fit that stops with
    # early_stopping=True above trains every epoch where "auto" deems them too few.
    monkeypatch.setattr(classifier_module, "MIN_EARLY_STOPPING_DOCUMENTS", minimum)
    model = fast(epochs=40, n_iter_no_change=2, learning_rate=0.1, validation_fraction=0.3)
    model.fit(X_MULTI, Y_MULTI)
    assert model.early_stopping == "auto" and model.early_stopping_ is stops
    assert (len(model.history_["loss"]) < 40) is stops
    assert ("best_epoch_" in vars(model)) is stops
    assert len(model.history_["val_loss"]) == len(model.history_["loss"])
    assert model.linear_term_ is not None
    # NumPy's True too, as a grid over np.array([True, False]) gives it.
    for early_stopping in (True, np.True_):
        model.set_params(early_stopping=early_stopping).fit(X_MULTI, Y_MULTI)
        assert model.early_stopping_ and len(model.history_["loss"]) < 40


def test_a_warm_fit_without_early_stopping_keeps_no_earlier_best_epoch():
    model = fast(epochs=40, n_iter_no_change=2, learning_rate=0.1, validation_fraction=0.3)
    model.set_params(early_stopping=True).fit(X_MULTI, Y_MULTI)
    assert "best_epoch_" in vars(model)
    model.set_params(early_stopping=False, warm_start=True, epochs=2).fit(X_MULTI, Y_MULTI)
    assert model.early_stopping_ is False and "best_epoch_" not in vars(model)


@pytest.mark.parametrize("early_stopping", [True, False, "auto"])
def test_partial_fit_trains_whatever_early_stopping_says(early_stopping):
    # Models saved when True was the default hold True: they must keep training.
    model = fast(early_stopping=early_stopping).partial_fit(X_MULTI, Y_MULTI)
    assert model.early_stopping_ is False and "best_epoch_" not in vars(model)
    assert model.current_epoch == 1
    assert model.partial_fit(X_MULTI, Y_MULTI).current_epoch == 2
    assert fast(early_stopping=early_stopping).initialize(X_MULTI, Y_MULTI).early_stopping_ is False


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


# SGD at learning_rate=1e6: the first step leaves every sigmoid output exactly 0.0 or 1.0 in
# float32. A loss of probabilities clipped to [1e-7, 1 - 1e-7] has no gradient there, and the fit
# ended finite and stuck (it did on JAX, and with positive_weight on TensorFlow); the loss of the
# logits grows to overflow, which is caught.
@pytest.mark.parametrize(
    "params, sample_weight",
    [
        pytest.param({"learning_rate": 1e6, "optimizer": "sgd"}, None, id="learning_rate"),
        pytest.param(
            {"learning_rate": 1e6, "optimizer": "sgd", "positive_weight": [2.0, 1.0, 1.0]},
            None,
            id="learning_rate-positive_weight",
        ),
        pytest.param({}, np.full(60, 1e30), id="sample_weight"),
    ],
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


class TrainingRun(tuple):
    """(documents, epochs run, whether it had validation data), and its ``sample_weight``."""


@pytest.fixture
def training_runs(monkeypatch):
    """Each training run of a fit, as a TrainingRun."""
    runs = []
    run = classifier_module.EpochLoop.run

    def recording(loop, X, Y, sample_weight, *args, validation=None, **kwargs):
        before = len(loop.history["loss"])
        best = run(loop, X, Y, sample_weight, *args, validation=validation, **kwargs)
        runs.append(
            TrainingRun((len(X), len(loop.history["loss"]) - before, validation is not None))
        )
        runs[-1].sample_weight = sample_weight
        return best

    monkeypatch.setattr(classifier_module.EpochLoop, "run", recording)
    return runs


@pytest.fixture
def built_networks(monkeypatch):
    """The arguments and result of each ``build_text_cnn`` call of a fit."""
    builds = []
    build = classifier_module.build_text_cnn

    def recording(**kwargs):
        builds.append((kwargs, build(**kwargs)))
        return builds[-1][1]

    monkeypatch.setattr(classifier_module, "build_text_cnn", recording)
    return builds


OVERFITTING = dict(epochs=40, early_stopping=True, learning_rate=0.1, validation_fraction=0.3)


def test_the_refit_trains_a_new_network_on_every_document_for_the_kept_epochs(
    training_runs, built_networks
):
    recorder = Recorder()
    refitted = fast(refit=True, callbacks=[recorder], **OVERFITTING).fit(X_MULTI, Y_MULTI)
    (held_out_args, held_out_network), (refit_args, refit_network) = built_networks
    kept = fast(refit=False, **OVERFITTING).fit(X_MULTI, Y_MULTI)
    # The held-out run, and all fitted on its held-out documents, are those of refit=False.
    held_out_run = {key: v for key, v in refitted.history_.items() if key != "refit_loss"}
    assert held_out_run == kept.history_ and "refit_loss" not in kept.history_
    epochs_run = len(kept.history_["loss"])
    assert refitted.best_epoch_ == kept.best_epoch_ < epochs_run
    np.testing.assert_array_equal(refitted.blend_weights_, kept.blend_weights_)
    np.testing.assert_array_equal(refitted.threshold_, kept.threshold_)
    # Then a new network trained the kept epochs on all 60 documents, unseen by callbacks.
    assert training_runs[:2] == [(42, epochs_run, True), (60, kept.best_epoch_, False)]
    assert len(refitted.history_["refit_loss"]) == kept.best_epoch_
    assert sum(call[0] == "train_begin" for call in recorder.calls) == 1
    # A new network, begun as the held-out run's: same seed, same embedding start.
    assert refitted.model_ is refit_network is not held_out_network
    assert refit_args["seed"] == held_out_args["seed"]
    assert refit_args["pretrained"] is held_out_args["pretrained"]
    assert recorder.model is held_out_network  # callbacks keep the held-out run's network
    assert np.abs(refitted.predict_proba(X_MULTI) - kept.predict_proba(X_MULTI)).max() > 1e-3
    # Same initial weights, embedding included.
    untrained = dict(OVERFITTING, epochs=1, learning_rate=1e-9, linear_term=False, threshold=0.5)
    begun = [fast(**untrained, refit=refit).fit(X_MULTI, Y_MULTI) for refit in (True, False)]
    assert "refit_loss" in begun[0].history_
    np.testing.assert_allclose(*(model.predict_proba(X_MULTI) for model in begun), atol=1e-5)


def test_sample_and_class_weights_reach_the_refit(training_runs):
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(X_MULTI))
    params = dict(OVERFITTING, linear_term=False, threshold=0.5)
    fast(**params).fit(X_MULTI, Y_MULTI, sample_weight=weights)
    refit = training_runs[1]
    assert refit == (60, refit[1], False)  # every row, its own weight
    np.testing.assert_allclose(np.sort(refit.sample_weight), np.sort(weights))
    y = Y_MULTI[:, 0]
    fast(**params, class_weight={0: 1.0, 1: 3.0}).fit(X_MULTI, y)
    expected = np.sort(np.where(y == 1, 3.0, 1.0))
    np.testing.assert_allclose(np.sort(training_runs[3].sample_weight), expected)


def test_a_refitted_model_is_reproducible_and_survives_pickling():
    params = dict(OVERFITTING, linear_term=False, threshold=0.5)
    first, second = (fast(**params).fit(X_MULTI, Y_MULTI) for _ in range(2))
    assert "refit_loss" in first.history_
    np.testing.assert_array_equal(first.predict_proba(X_MULTI), second.predict_proba(X_MULTI))
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.predict_proba(X_MULTI), first.predict_proba(X_MULTI))
    assert restored.history_ == first.history_


def test_a_model_saved_before_refit_existed_takes_auto():
    model = fast(epochs=1).fit(X_MULTI, Y_MULTI)
    state = model.__getstate__()
    del state["refit"]
    old = object.__new__(type(model))
    old.__setstate__(state)
    assert old.get_params()["refit"] == "auto"
    np.testing.assert_array_equal(old.predict(X_MULTI), model.predict(X_MULTI))


@pytest.mark.parametrize(
    ("params", "refits"),
    [
        (dict(linear_term=False, threshold=0.5), True),
        (dict(linear_term=False, threshold=None), True),  # thresholds tuned on the held-out run
        (dict(threshold=0.5), False),  # blended with a linear term
        (dict(linear_term=False, threshold=0.5, refit=False), False),
    ],
)
def test_auto_refits_the_network_where_it_decides_alone(training_runs, params, refits):
    model = fast(**{**OVERFITTING, **params}).fit(X_MULTI, Y_MULTI)
    assert ("refit_loss" in model.history_) is refits
    assert len(training_runs) == 1 + refits
    assert model.get_params()["refit"] == params.get("refit", "auto")


def test_without_early_stopping_the_refit_trains_every_epoch_and_without_held_out_rows_none(
    training_runs,
):
    fast(epochs=3, early_stopping=False, refit=True).fit(X_MULTI, Y_MULTI)
    assert training_runs == [(54, 3, True), (60, 3, False)]
    params = dict(early_stopping=False, linear_term=False, threshold=0.5, refit=True)
    model = fast(epochs=3, **params).fit(X_MULTI, Y_MULTI)
    assert training_runs[2:] == [(60, 3, False)] and "refit_loss" not in model.history_


def test_a_warm_fit_trains_the_refitted_network_on_and_refits_only_the_linear_term(
    training_runs,
):
    model = fast(epochs=3, refit=True).fit(X_MULTI, Y_MULTI)
    network, refit_loss, linear = model.model_, model.history_["refit_loss"], model.linear_term_
    model.set_params(warm_start=True, epochs=2).fit(X_MULTI, Y_MULTI)
    assert training_runs[2:] == [(54, 2, True)]
    assert model.model_ is network and model.history_["refit_loss"] == refit_loss
    assert len(model.history_["loss"]) == 5 and model.linear_term_ is not linear
