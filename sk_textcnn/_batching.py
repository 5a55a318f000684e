"""Cutting token-id matrices into batches whose width is that of their longest document.

Pooling in the network ignores padding, so a batch can be cut to its longest document without
changing any output; with documents of similar length in a batch, an epoch then costs what the
real tokens cost, not what the padding costs.
"""

import keras
import numpy as np

from sk_textcnn._ids import PAD_ID

# Documents per forward pass at prediction time: large enough to keep the convolutions busy,
# small enough that memory stays bounded on millions of documents.
PREDICT_BATCH_SIZE = 128
# Training batches are drawn from pools of this many batches sorted by length, so a batch
# holds documents of similar length (little padding) while the batch order stays random.
LENGTH_POOL_BATCHES = 50
XLA_WIDTH_STEP = 32


def left_aligned(X):
    """Move every row's non-padding ids to its start, keeping their order.

    Returns the aligned ids and each row's number of real tokens. Rows padded at the front
    (``padding="pre"``) and rows padded at the back become the same, so both can be cut to the
    longest document of a batch.
    """
    real = X != PAD_ID
    lengths = real.sum(axis=1)
    positions = np.arange(X.shape[1])
    if np.array_equal(real, positions < lengths[:, None]):
        return X, lengths
    aligned = np.zeros_like(X)
    aligned[positions < lengths[:, None]] = X[real]
    return aligned, lengths


def length_sorted_batches(lengths, batch_size, rng):
    """Indices of training batches: random, but each batch of documents of similar length."""
    order = rng.permutation(len(lengths))
    pool = batch_size * LENGTH_POOL_BATCHES
    batches = []
    for start in range(0, len(order), pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def batch_width(longest, available, *, jit_compile):
    """Columns a batch is cut to: its longest document, rounded up under XLA.

    XLA compiles the network once per input shape, so with ``jit_compile``, and always on the
    JAX backend (which compiles every step), widths are rounded up to a multiple of
    ``XLA_WIDTH_STEP`` to bound the number of compilations.
    """
    width = max(int(longest), 1)
    if jit_compile or keras.backend.backend() == "jax":
        width = -(-width // XLA_WIDTH_STEP) * XLA_WIDTH_STEP
    return min(width, available)


def predict_in_batches(model, X, *, jit_compile):
    """The network's outputs for valid ids, computed in length-sorted batches."""
    X, lengths = left_aligned(X)
    order = np.argsort(lengths, kind="stable")
    outputs = np.empty((len(X), model.output_shape[-1]), dtype=np.float32)
    for start in range(0, len(order), PREDICT_BATCH_SIZE):
        batch = order[start : start + PREDICT_BATCH_SIZE]
        width = batch_width(lengths[batch[-1]], X.shape[1], jit_compile=jit_compile)
        outputs[batch] = model.predict_on_batch(X[batch, :width])
    return outputs
