"""One training step of a compiled network, built once per model and optimizer.

``model.train_on_batch`` does per call what one fit needs once (data adapters, metric resets,
structure checks) and, on TensorFlow, runs the optimizer's update as a few hundred small graph
ops: Adam and the weight average each read and write the whole embedding table at every step,
op by op. :func:`compiled_train_step` returns ``step(x, y, sample_weight) -> loss`` computing what
``train_on_batch`` computes (same loss, gradients, optimizer and average updates, up to float
rounding) with the per-step overheads removed:

- TensorFlow: one ``tf.function`` traced once for any batch width (its input signature leaves
  the length free), with the optimizer update compiled by XLA into a few fused loops over each
  variable; with ``jit_compile`` the whole step is XLA-compiled (once per batch width, which
  :func:`~sk_textcnn._batching.batch_width` rounds up to bound their number).
- JAX: one ``jax.jit`` of the stateless step, compiled once per batch width, the variables
  handed over as arrays.
- other backends: ``train_on_batch``.
"""

import weakref

import keras

from sk_textcnn._quiet_import import start_xla_quietly

# model -> (optimizer, jit_compile, step): a step holds traced graphs, costly to rebuild on
# every partial_fit, and belongs to one optimizer (compile() makes a new one). A step reaches
# its model only through a weak reference: a strong one would keep its own key alive, and with
# it every fitted model's weights and graphs for the life of the process.
_STEPS = weakref.WeakKeyDictionary()


def compiled_train_step(model, *, jit_compile):
    """``step(x, y, sample_weight) -> float loss`` training the compiled ``model`` in place."""
    cached = _STEPS.get(model)
    if cached is not None and cached[0] is model.optimizer and cached[1] == jit_compile:
        return cached[2]
    builder = {"tensorflow": _tensorflow_step, "jax": _KerasJaxStep}.get(keras.backend.backend())
    if builder is None:
        model_ref = weakref.ref(model)

        def step(x, y, sample_weight):
            return float(model_ref().train_on_batch(x, y, sample_weight=sample_weight))

    else:
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        step = builder(weakref.ref(model), jit_compile=jit_compile)
    _STEPS[model] = (model.optimizer, jit_compile, step)
    return step


def _tensorflow_step(model_ref, *, jit_compile):
    import tensorflow as tf

    start_xla_quietly()

    variables = model_ref().trainable_variables
    optimizer = model_ref().optimizer

    def gradients(x, y, sample_weight):
        model = model_ref()  # alive while its fit traces: the traced graph needs no model
        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            loss = model.compute_loss(x, y, y_pred, sample_weight, training=True)
            scaled = optimizer.scale_loss(loss)
        return loss, tape.gradient(scaled, variables)

    if jit_compile:

        def step(x, y, sample_weight):
            loss, grads = gradients(x, y, sample_weight)
            optimizer.apply(grads, variables)
            return loss

        # XLA compiles once per batch shape, which batch_width rounds to few.
        compiled = tf.function(step, jit_compile=True, reduce_retracing=True)
        return lambda x, y, sample_weight: float(compiled(x, y, sample_weight))

    # XLA compiles the update into a few fused loops per variable instead of a dozen graph ops
    # each; it sees fixed shapes but for the embedding's sparse gradient, see padded_rows.
    @tf.function(jit_compile=True)
    def update(grads):
        optimizer.apply(grads, variables)

    def padded_gradients(x, y, sample_weight):
        loss, grads = gradients(x, y, sample_weight)
        return loss, [padded_rows(g) if isinstance(g, tf.IndexedSlices) else g for g in grads]

    traced = {}

    def run(x, y, sample_weight):
        # Traced once per target dtype (a fit has one), with the batch size and width free.
        key = (y.dtype.str, y.shape[1:])
        if key not in traced:
            traced[key] = tf.function(
                padded_gradients,
                input_signature=[
                    tf.TensorSpec((None, None), tf.int32),
                    tf.TensorSpec((None, *y.shape[1:]), tf.as_dtype(y.dtype)),
                    tf.TensorSpec((None,), tf.float32),
                ],
            )
        loss, grads = traced[key](x, y, sample_weight)
        update(grads)
        return float(loss)

    return run


# Rows the embedding's sparse gradient is padded to at least: 512 tokens of 32 documents, one
# shape (one XLA compilation) for most fits; a zero row costs what a token's row costs.
MIN_SPARSE_ROWS = 2**14


def padded_rows(gradient):
    """The embedding's gradient (one row per token of the batch), padded with zero rows.

    The optimizer must get these rows as they are: Adam squares each token's row before summing
    duplicates, so densifying first would change the result. Their number changes with every
    batch and XLA compiles once per shape, so they are padded to ``MIN_SPARSE_ROWS`` or the next
    power of two. The padding rows are zeros at id 0, which change no sum and no sum of squares.
    """
    import tensorflow as tf

    n = tf.shape(gradient.indices)[0]
    rows = MIN_SPARSE_ROWS
    # Beyond that, the next power of two: at most a doubling of the padded rows.
    rows = tf.maximum(
        rows,
        2
        ** tf.cast(tf.math.ceil(tf.math.log(tf.cast(n, tf.float32)) / tf.math.log(2.0)), tf.int32),
    )
    extra = tf.maximum(rows, n) - n
    return tf.IndexedSlices(
        tf.pad(gradient.values, [[0, extra], [0, 0]]),
        tf.pad(gradient.indices, [[0, extra]]),
        gradient.dense_shape,
    )


class _KerasJaxStep:
    """Keras' own stateless JAX train step, jitted once, without train_on_batch's wrapping."""

    def __init__(self, model_ref, *, jit_compile):
        import jax

        del jit_compile  # JAX compiles every step
        self.model_ref = model_ref
        model = model_ref()
        # The loss logged is then this batch's alone, as train_on_batch's after its reset.
        model.reset_metrics()
        metrics_variables = [v.value for v in model.metrics_variables]

        def step(trainable, non_trainable, optimizer_variables, x, y, sample_weight):
            logs, state = model_ref().train_step(
                (trainable, non_trainable, optimizer_variables, metrics_variables),
                (x, y, sample_weight),
            )
            return logs["loss"], state[:3]

        self.step = jax.jit(step)

    def __call__(self, x, y, sample_weight):
        model = self.model_ref()
        groups = (
            model.trainable_variables,
            model.non_trainable_variables,
            model.optimizer.variables,
        )
        values = [[variable.value for variable in group] for group in groups]
        loss, state = self.step(*values, x, y, sample_weight)
        for group, new_values in zip(groups, state, strict=True):
            for variable, value in zip(group, new_values, strict=True):
                variable.assign(value)
        return float(loss)
