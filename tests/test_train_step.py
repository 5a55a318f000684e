"""The compiled training step: what train_on_batch computes, built once per model and optimizer.

These tests apply to every Keras backend; CI runs them under JAX as well.
"""

import gc
import weakref

import keras
import numpy as np
import pytest

from sk_textcnn import _train_step
from sk_textcnn._train_step import compiled_train_step
from sk_textcnn.network import build_text_cnn, compile_network, trained_model

from .helpers import X_MULTI, Y_MULTI, fast


def _compiled_network(target_type, positive_weight=None):
    """A network compiled as fit compiles it, and the model its step trains (its logits')."""
    model = build_text_cnn(
        n_ids=12,
        n_outputs=3,
        output_activation="softmax" if target_type == "multiclass" else "sigmoid",
        embedding_dim=6,
        filter_sizes=(2, 3),
        num_filters=5,
        dropout=0.3,
        seed=0,
    )
    optimizer = keras.optimizers.Adam(learning_rate=0.01, use_ema=True, ema_momentum=0.9)
    trained = compile_network(
        model,
        optimizer=optimizer,
        target_type=target_type,
        positive_weight=positive_weight,
        jit_compile=False,
    )
    return model, trained


@pytest.mark.parametrize(
    ("target_type", "positive_weight", "target"),
    [
        ("multilabel-indicator", None, Y_MULTI.astype(np.float32)),
        ("multilabel-indicator", [3.0, 1.0, 0.5], Y_MULTI.astype(np.float32)),
        ("multiclass", None, Y_MULTI.argmax(axis=1).astype(np.int32)),
    ],
)
def test_the_step_trains_as_train_on_batch_does(target_type, positive_weight, target):
    ours, ours_trained = _compiled_network(target_type, positive_weight)
    keras_own, keras_trained = _compiled_network(target_type, positive_weight)
    assert ours_trained is trained_model(ours) and ours_trained is not ours
    step = compiled_train_step(ours_trained, jit_compile=False)
    weights = np.linspace(0.5, 1.5, len(X_MULTI)).astype(np.float32)
    # Batches of several sizes and widths, as the epoch loop feeds them.
    for rows, width in [
        (slice(0, 16), 8),
        (slice(16, 40), 5),
        (slice(40, 43), 2),
        (slice(43, 60), 8),
    ]:
        x, y, w = X_MULTI[rows, :width], target[rows], weights[rows]
        loss_ours = step(x, y, w)
        loss_keras = float(keras_trained.train_on_batch(x, y, sample_weight=w))
        assert loss_ours == pytest.approx(loss_keras, rel=1e-5)
    for mine, theirs in zip(ours.get_weights(), keras_own.get_weights(), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
    ours.optimizer.finalize_variable_values(ours.trainable_variables)
    keras_own.optimizer.finalize_variable_values(keras_own.trainable_variables)
    np.testing.assert_allclose(
        ours.predict_on_batch(X_MULTI), keras_own.predict_on_batch(X_MULTI), rtol=1e-5, atol=1e-6
    )


def test_the_step_is_built_once_per_model_and_optimizer():
    _, model = _compiled_network("multilabel-indicator")
    step = compiled_train_step(model, jit_compile=False)
    assert compiled_train_step(model, jit_compile=False) is step
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    assert compiled_train_step(model, jit_compile=False) is not step


def test_partial_fit_reuses_the_step_and_continues_training():
    model = fast(epochs=1).fit(X_MULTI, Y_MULTI)
    trained = trained_model(model.model_)
    # fit trained the logits model, not the network, whose step was never built.
    assert trained in _train_step._STEPS and model.model_ not in _train_step._STEPS
    step = compiled_train_step(trained, jit_compile=False)
    losses = [model.partial_fit(X_MULTI, Y_MULTI).history_["loss"][-1] for _ in range(3)]
    assert compiled_train_step(trained, jit_compile=False) is step
    assert losses[-1] < losses[0]


def test_a_step_does_not_keep_its_model_alive():
    # A cached step holding its model strongly would keep every fitted model's weights and
    # graphs alive for the life of the process (a grid search's hundreds of fits).
    network, trained = _compiled_network("multilabel-indicator")
    step = compiled_train_step(trained, jit_compile=False)
    step(X_MULTI[:4], Y_MULTI[:4].astype(np.float32), np.ones(4, np.float32))
    network_alive, trained_alive = weakref.ref(network), weakref.ref(trained)
    del network, trained, step
    for _ in range(3):  # the network's cycle first, then its logits model's
        gc.collect()
    assert network_alive() is None and trained_alive() is None
