"""One measurement of ``speed.py`` in its own process: ``_speed_worker.py TASK DATA PARAMS``.

Run as a file, so that ``import sk_textcnn`` finds whichever checkout ``PYTHONPATH`` names (ours
or the reference) and the backend is whichever ``KERAS_BACKEND`` names. ``DATA`` is an ``.npz``
of token ids and targets, ``PARAMS`` a JSON object of TextCNNClassifier parameters; the result
is one JSON line on stdout.

Tasks:

- ``fit``: a tiny warm-up fit (TensorFlow's start-up lands in no row), then ``fit`` on
  ``X, Y`` timed, and micro/macro-F1 (zero_division=0) of ``predict`` on ``X_test, Y_test``.
- ``synthetic``: ``fit(epochs=1)`` (warm-up), then ``repeats`` times ``partial_fit`` (one epoch of
  the same loop) and ``predict_proba``, timed.
- ``profile``: where one epoch's time goes, on every ``stride``-th batch of the shipped batch
  order, each piece timed on its own (ours only; TensorFlow or JAX).
"""

import json
import sys
import time
import warnings

import numpy as np


def timed(fn, *args):
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def fit_task(data, params):
    from sklearn.metrics import f1_score

    from sk_textcnn import TextCNNClassifier

    warnings.filterwarnings("ignore", message="Label .* (present in|absent from) all")
    X, Y = data["X"], data["Y"]
    TextCNNClassifier(**{**params, "epochs": 1}).fit(X[:64], Y[:64])
    model = TextCNNClassifier(**params)
    fit_s = timed(model.fit, X, Y)
    start = time.perf_counter()
    Y_pred = model.predict(data["X_test"])
    return {
        "fit_seconds": fit_s,
        "predict_seconds": time.perf_counter() - start,
        "micro_f1": f1_score(data["Y_test"], Y_pred, average="micro", zero_division=0),
        "macro_f1": f1_score(data["Y_test"], Y_pred, average="macro", zero_division=0),
    }


def synthetic_task(data, params, repeats):
    from sk_textcnn import TextCNNClassifier

    X, Y = data["X"], data["Y"]
    model = TextCNNClassifier(**{**params, "epochs": 1})
    first_fit_s = timed(model.fit, X, Y)
    model.predict_proba(X)
    train_s, predict_s = [], []
    for _ in range(repeats):
        train_s.append(timed(model.partial_fit, X, Y))
        predict_s.append(timed(model.predict_proba, X))
    return {
        "first_fit_seconds": first_fit_s,
        "train_seconds": train_s,
        "predict_seconds": predict_s,
    }


def profile_task(data, params, stride):
    """Seconds per epoch of each piece of a training step, from every ``stride``-th batch."""
    import keras

    from sk_textcnn import TextCNNClassifier
    from sk_textcnn._batching import batch_width, left_aligned, length_sorted_batches
    from sk_textcnn._train_step import compiled_train_step

    warnings.filterwarnings("ignore", message="Label .* (present in|absent from) all")
    X, Y = data["X"], data["Y"].astype(np.float32)
    # A small fit builds the network: its rows and the document holding the largest id.
    rows = np.r_[np.arange(255), X.max(axis=1).argmax()]
    clf = TextCNNClassifier(**{**params, "epochs": 1}).fit(X[rows], Y[rows])
    model = clf.model_
    X, lengths = left_aligned(X)
    all_batches = length_sorted_batches(lengths, clf.batch_size, np.random.RandomState(0))
    batches = all_batches[::stride]
    scale = len(all_batches) / len(batches)

    def width(batch):
        return batch_width(lengths[batch].max(), X.shape[1], jit_compile=False)

    feed = [(X[b, : width(b)], Y[b], np.ones(len(b), np.float32)) for b in batches]
    pieces = _pieces(model, keras.backend.backend())
    step = compiled_train_step(model, jit_compile=False)
    pieces["shipped step (compiled_train_step)"] = step
    pieces["keras train_on_batch (the reference's step)"] = lambda x, y, w: model.train_on_batch(
        x, y, sample_weight=w
    )
    seconds = {}
    for name, piece in pieces.items():
        for x, y, w in feed:  # warm-up: every trace and compilation
            piece(x, y, w)
        keras.ops.convert_to_numpy(keras.ops.zeros(()))
        start = time.perf_counter()
        for x, y, w in feed:
            out = piece(x, y, w)
        _block(out)
        seconds[name] = (time.perf_counter() - start) * scale
    real_tokens = int(lengths.sum())
    positions = sum(len(b) * width(b) for b in all_batches)
    return {
        "seconds_per_epoch": seconds,
        "batches_timed": len(batches),
        "batches_per_epoch": len(all_batches),
        "real_tokens": real_tokens,
        "computed_positions": positions,
    }


def _block(value):
    import keras

    for leaf in keras.tree.flatten(value):
        if leaf is not None and not isinstance(leaf, float):
            keras.ops.convert_to_numpy(leaf)


def _pieces(model, backend):
    """Functions ``(x, y, sample_weight) -> tensors`` each computing one part of a step."""
    import keras

    convolutions = model.get_layer("convolutions")
    embedding = model.get_layer("embedding")
    optimizer = model.optimizer
    variables = model.trainable_variables
    kernels = [v for c in convolutions.convolutions for v in c.trainable_variables]

    def conv_inputs(x):
        mask = keras.ops.not_equal(x, 0)
        embedded = embedding(x) * keras.ops.expand_dims(keras.ops.cast(mask, "float32"), -1)
        return embedded, mask

    def conv_forward(embedded, mask):
        return keras.ops.sum(convolutions([embedded, mask]))

    def network_loss(x, y, w):
        return model.compute_loss(x, y, model(x, training=True), w, training=True)

    if backend == "tensorflow":
        import tensorflow as tf

        def gradients_of(loss_fn, wrt):
            def run(*args):
                with tf.GradientTape() as tape:
                    loss = loss_fn(*args)
                return tape.gradient(loss, wrt())

            return run

        def conv_backward(embedded, mask):
            with tf.GradientTape() as tape:
                tape.watch(embedded)
                loss = conv_forward(embedded, mask)
            return tape.gradient(loss, [embedded, *kernels])

        full_gradients = tf.function(gradients_of(network_loss, lambda: variables))
        conv_in = tf.function(conv_inputs)
        conv_fwd, conv_bwd = tf.function(conv_forward), tf.function(conv_backward)
        forward = tf.function(network_loss)
        zero_grads = [tf.zeros_like(v) for v in variables]

        @tf.function(jit_compile=True)
        def update():
            optimizer.apply(zero_grads, variables)

        plain = keras.optimizers.Adam(learning_rate=float(optimizer.learning_rate.numpy()))
        plain.build(variables)

        @tf.function(jit_compile=True)
        def update_without_average():
            plain.apply(zero_grads, variables)

    else:
        import jax

        trainable = [v.value for v in variables]
        non_trainable = [v.value for v in model.non_trainable_variables]

        def stateless_loss(values, x, y, w):
            y_pred, _ = model.stateless_call(values, non_trainable, x, training=True)
            return model.compute_loss(x, y, y_pred, w, training=True)

        full_values_and_grads = jax.jit(jax.grad(stateless_loss))
        forward_jit = jax.jit(stateless_loss)

        def full_gradients(x, y, w):
            return full_values_and_grads(trainable, x, y, w)

        def forward(x, y, w):
            return forward_jit(trainable, x, y, w)

        conv_in = jax.jit(lambda x: conv_inputs(x))
        conv_fwd = jax.jit(conv_forward)
        conv_bwd = jax.jit(jax.grad(conv_forward))
        zero_grads = [keras.ops.zeros_like(v.value) for v in variables]
        optimizer_values = [v.value for v in optimizer.variables]
        apply = jax.jit(lambda o: optimizer.stateless_apply(o, zero_grads, trainable))

        def update():
            return apply(optimizer_values)

        update_without_average = None

    def on_conv(fn):
        def run(x, y, w):
            return fn(*conv_in(x))

        return run

    pieces = {
        "convolutions forward": on_conv(conv_fwd),
        "convolutions forward + backward": on_conv(conv_bwd),
        "network forward + loss": forward,
        "network forward + backward": full_gradients,
        "optimizer update (Adam + weight average)": lambda x, y, w: update(),
    }
    if update_without_average is not None:
        pieces["optimizer update without the average"] = lambda x, y, w: update_without_average()
    return pieces


def main():
    task, data_path, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    extra = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
    data = dict(np.load(data_path))
    result = {
        "fit": lambda: fit_task(data, params),
        "synthetic": lambda: synthetic_task(data, params, extra.get("repeats", 3)),
        "profile": lambda: profile_task(data, params, extra.get("stride", 8)),
    }[task]()
    import keras

    import sk_textcnn

    result["sk_textcnn_path"] = sk_textcnn.__file__
    result["keras_backend"] = keras.backend.backend()
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
