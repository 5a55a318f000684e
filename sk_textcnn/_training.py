"""The epoch loop of TextCNNClassifier: length-sorted batches, weight averaging, early stopping.

:class:`EpochLoop` trains a compiled network in place and appends to the estimator's
``history_``; the estimator decides what to train on and keeps the results.
"""

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


@dataclass
class EpochLoop:
    """Trains ``model`` (compiled, with weight averaging when ``averaging``) epoch by epoch.

    ``history`` is the estimator's ``history_``: each epoch appends its training ``"loss"``,
    and with validation data its ``"val_loss"``, ``"val_micro_f1"`` and ``"val_macro_f1"``.
    """

    model: keras.Model
    history: dict
    batch_size: int
    averaging: bool
    multiclass: bool
    jit_compile: bool = False
    verbose: int = 0

    def run(self, X, Y, sample_weight, *, epochs, rng, validation=None, patience=None):
        """Train for ``epochs`` epochs; return the epoch kept by early stopping, or None.

        ``validation`` is an ``(X, Y)`` pair scored after each epoch. With ``patience``,
        training stops once its loss has not improved for that many epochs, and the network
        keeps the best epoch's weights; otherwise it ends with the averaged weights.
        """
        X, lengths = left_aligned(X)
        best_loss, best_weights, waited = np.inf, None, 0
        for epoch in range(epochs):
            total = 0.0
            for batch in length_sorted_batches(lengths, self.batch_size, rng):
                width = batch_width(lengths[batch].max(), X.shape[1], jit_compile=self.jit_compile)
                loss = self.train_step(X[batch, :width], Y[batch], sample_weight[batch])
                total += float(loss) * len(batch)
            self.history["loss"].append(total / len(X))
            if validation is not None:
                # Judged and kept as averaged weights; the next epoch trains on from the raw ones.
                with self.averaged_weights():
                    self.record_validation(*validation)
                    if self.history["val_loss"][-1] < best_loss:
                        best_loss, best_weights, waited = (
                            self.history["val_loss"][-1],
                            self.model.get_weights(),
                            0,
                        )
                    else:
                        waited += 1
            if self.verbose:
                scores = ", ".join(f"{k}: {v[-1]:.4f}" for k, v in self.history.items())
                print(f"epoch {epoch + 1}/{epochs} - {scores}")
            if patience is not None and waited >= patience:
                break
        if patience is not None and best_weights is not None:
            self.model.set_weights(best_weights)
            return int(np.argmin(self.history["val_loss"])) + 1
        self.use_averaged_weights()
        return None

    @property
    def train_step(self):
        """``step(x, y, sample_weight) -> loss``: one optimizer step on a batch, compiled once."""
        return compiled_train_step(self.model, jit_compile=self.jit_compile)

    def use_averaged_weights(self):
        """With weight averaging, overwrite the network's weights with their moving average."""
        if self.averaging:
            self.model.optimizer.finalize_variable_values(self.model.trainable_variables)

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

    def record_validation(self, X, Y):
        """Append the validation loss and F1 scores of this epoch to ``history``."""
        outputs = predict_in_batches(self.model, X, jit_compile=self.jit_compile)
        loss = self.model.compute_loss(y=Y, y_pred=outputs)
        if self.multiclass:
            truth, decisions = Y, outputs.argmax(axis=1)
        else:
            truth, decisions = Y, (outputs >= 0.5).astype(int)
        for key, value in (
            ("val_loss", float(keras.ops.convert_to_numpy(loss))),
            ("val_micro_f1", f1_score(truth, decisions, average="micro", zero_division=0)),
            ("val_macro_f1", f1_score(truth, decisions, average="macro", zero_division=0)),
        ):
            self.history.setdefault(key, []).append(value)
