"""The epoch loop of TextCNNClassifier: length-sorted batches, weight averaging, early stopping.

:class:`EpochLoop` trains a compiled network in place and appends to the estimator's
``history_``; the estimator decides what to train on and keeps the results.
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass

import keras
import numpy as np
from sklearn.metrics import f1_score

from sk_textcnn._batching import (
    batch_width,
    left_aligned,
    length_sorted_batches,
    predict_in_batches,
)
from sk_textcnn._train_step import compiled_train_step
from sk_textcnn.network import trained_model


def averaging_momentum(ema_momentum, *, epochs, n_samples, batch_size):
    """``ema_momentum``, capped so that the average spans at most a tenth of the steps.

    Keras starts the average at the first step's weights and weighs step ``t`` back by
    ``momentum ** t``: at 0.99 a fit of 20 steps would end with weights 80% from that first
    step, barely trained.
    """
    if ema_momentum is None:
        return None
    steps = epochs * -(-n_samples // batch_size)
    return min(ema_momentum, max(0.0, 1 - 10 / steps))


class _DropExpectedRetracing(logging.Filter):
    """Drops TensorFlow's "triggered tf.function retracing" warning while this package trains.

    Every fit builds a new network, and Keras gives each network its own step functions, which
    trace afresh (then again once for batches of another width, after which
    ``reduce_retracing`` generalizes the shape). TensorFlow counts traces per Python function
    across all networks, so a few small fits in one process (a grid search, the folds of a
    threshold search) cross its threshold of 5 traces in 10 calls and it warns about a loop
    creating functions: that is this package's design, not a mistake of the user's, and Keras
    offers no way to share one step function between networks. Only that message is dropped,
    and only while a fit or prediction of this package runs.
    """

    active = 0

    def filter(self, record):
        return not (self.active and "triggered tf.function retracing" in record.getMessage())


_retracing_filter = _DropExpectedRetracing()
logging.getLogger("tensorflow").addFilter(_retracing_filter)


@contextmanager
def expected_retracing():
    """Inside the block, TensorFlow's warning about frequent retracing is not shown."""
    _retracing_filter.active += 1
    try:
        yield
    finally:
        _retracing_filter.active -= 1


def raise_if_diverged(model, loss, *, epoch):
    """Stop training whose loss or weights are no longer finite, before NaN reaches predict.

    A diverged network predicts NaN for every document (and so one class, or no label, for
    all); the estimator drops it and keeps what it had before ``fit``. Training reads the
    loss of the logits (:func:`~sk_textcnn.network.trained_model`), which grows with them
    where every output saturates, so such steps end in overflow here rather than stuck.
    Networks saved before the logits model existed train on the loss of their (clipped)
    probabilities, and a step that saturates them still ends finite and stuck.
    """
    if np.isfinite(loss) and all(np.isfinite(weights).all() for weights in model.get_weights()):
        return
    learning_rate = float(model.optimizer.learning_rate.numpy())
    raise ValueError(
        f"Training diverged: the loss was {loss} in epoch {epoch} and the network's weights "
        "are no longer finite. The usual causes are a learning_rate too high for the optimizer "
        f"(it is {learning_rate:g}) and extreme sample_weight, class_weight or positive_weight "
        "values; lower or rescale them."
    )


@dataclass
class EpochLoop:
    """Trains ``model`` (compiled, with weight averaging when ``averaging``) epoch by epoch.

    ``history`` is the estimator's ``history_``: each epoch appends its training ``"loss"``,
    and with validation data its ``"val_loss"``, ``"val_micro_f1"`` and ``"val_macro_f1"``.
    ``callbacks`` (``keras.callbacks.Callback`` instances) see the hooks of ``Model.fit`` in
    its order, with these keys in their logs (``"loss"`` at a batch's end being the epoch's
    running mean); ``verbose`` 1 adds Keras' progress bar, 2 one line per epoch.
    """

    model: keras.Model
    history: dict
    batch_size: int
    averaging: bool
    multiclass: bool
    jit_compile: bool = False
    verbose: int = 0
    callbacks: list = ()

    def run(self, X, Y, sample_weight, *, epochs, rng, validation=None, patience=None):
        """Train for ``epochs`` epochs; return the epoch kept by early stopping, or None.

        ``validation`` is an ``(X, Y, sample_weight)`` triple scored after each epoch. With
        ``patience``, training stops once its loss has not improved for that many epochs, and
        the network keeps the best epoch's weights; otherwise it ends with the averaged weights. A
        callback setting ``model.stop_training`` ends training after the current step.
        Epoch numbers (returned, and given to callbacks) count on from earlier ``history``.
        """
        X, lengths = left_aligned(X)
        steps = -(-len(X) // self.batch_size)
        # As Model.fit(initial_epoch=first): callbacks count epochs on from earlier training.
        first = len(self.history["loss"])
        callbacks = keras.callbacks.CallbackList(
            list(self.callbacks),
            add_progbar=bool(self.verbose),
            model=self.model,
            verbose=self.verbose,
            epochs=first + epochs,
            steps=steps,
        )
        best_loss, best_epoch, best_weights, waited = np.inf, None, None, 0
        self.model.stop_training = False
        logs = {}
        callbacks.on_train_begin()
        for epoch in range(first, first + epochs):
            callbacks.on_epoch_begin(epoch)
            total, seen = 0.0, 0
            for step, batch in enumerate(length_sorted_batches(lengths, self.batch_size, rng)):
                callbacks.on_train_batch_begin(step)
                width = batch_width(lengths[batch].max(), X.shape[1], jit_compile=self.jit_compile)
                loss = self.train_step(X[batch, :width], Y[batch], sample_weight[batch])
                total, seen = total + float(loss) * len(batch), seen + len(batch)
                callbacks.on_train_batch_end(step, {"loss": total / seen})
                if self.model.stop_training:
                    break
            self.history["loss"].append(total / seen)
            raise_if_diverged(self.model, self.history["loss"][-1], epoch=epoch + 1)
            if validation is not None:
                # Judged and kept as averaged weights; the next epoch trains on from the raw ones.
                with self.averaged_weights():
                    self.record_validation(*validation)
                    if self.history["val_loss"][-1] < best_loss:
                        best_loss, best_epoch, best_weights, waited = (
                            self.history["val_loss"][-1],
                            epoch + 1,
                            self.model.get_weights(),
                            0,
                        )
                    else:
                        waited += 1
            logs = {
                key: values[-1]
                for key, values in self.history.items()
                if key == "loss" or validation is not None
            }
            callbacks.on_epoch_end(epoch, logs)
            if self.model.stop_training or (patience is not None and waited >= patience):
                break
        if patience is not None and best_weights is not None:
            self.model.set_weights(best_weights)
        else:
            best_epoch = None
            self.use_averaged_weights()
        callbacks.on_train_end(logs)
        return best_epoch

    @property
    def train_step(self):
        """``step(x, y, sample_weight) -> loss``: one optimizer step on a batch, compiled once.

        It trains the network's logits model (the loss of the logits), where it has one.
        """
        return compiled_train_step(trained_model(self.model), jit_compile=self.jit_compile)

    def use_averaged_weights(self):
        """With weight averaging, overwrite the network's weights with their moving average."""
        if self.averaging:
            variables = self.model.trainable_variables
            self.model.optimizer.finalize_variable_values(variables)
            # On JAX the assignment shares the average's array with the variable, and a
            # jit-compiled predict donates (frees) the variables' arrays: the average's too,
            # which the next training step then reads. A copy each keeps them apart.
            for variable in variables:
                variable.assign(keras.ops.copy(variable))

    @contextmanager
    def averaged_weights(self):
        """The averaged weights in the network inside the block, the raw ones again after."""
        if not self.averaging:
            yield
            return
        raw_weights = self.model.get_weights()
        self.use_averaged_weights()
        try:
            yield
        finally:
            self.model.set_weights(raw_weights)

    def record_validation(self, X, Y, sample_weight):
        """Append the (weighted) validation loss and F1 scores of this epoch to ``history``."""
        outputs = predict_in_batches(self.model, X, jit_compile=self.jit_compile)
        # Normalized, so that the loss of unit weights is the plain mean.
        weight = sample_weight / max(float(sample_weight.mean()), np.finfo(np.float32).tiny)
        loss = self.model.compute_loss(y=Y, y_pred=outputs, sample_weight=weight)
        if self.multiclass:
            truth, decisions = Y, outputs.argmax(axis=1)
        else:
            truth, decisions = Y, (outputs >= 0.5).astype(int)
        for key, value in (
            ("val_loss", float(keras.ops.convert_to_numpy(loss))),
            (
                "val_micro_f1",
                f1_score(truth, decisions, average="micro", sample_weight=weight, zero_division=0),
            ),
            (
                "val_macro_f1",
                f1_score(truth, decisions, average="macro", sample_weight=weight, zero_division=0),
            ),
        ):
            self.history.setdefault(key, []).append(value)
