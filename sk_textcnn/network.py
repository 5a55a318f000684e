"""The Keras network behind TextCNNClassifier: embedding, parallel convolutions, masked pooling.

Written with ``keras.layers`` and ``keras.ops`` only, so it runs on any Keras 3 backend.
"""

import functools
import weakref

import keras
import ml_dtypes
import numpy as np
from keras import ops

from sk_textcnn._ids import PAD_ID
from sk_textcnn._train_step import compiled_train_step

# One feature model and one logits model per fitted network, built on first use.
_FEATURES = weakref.WeakKeyDictionary()
_LOGITS = weakref.WeakKeyDictionary()


@keras.saving.register_keras_serializable(package="sk_textcnn")
class MaskedConvMaxPool(keras.layers.Layer):
    """Parallel 1-D convolutions of several widths, each max-pooled over real tokens only.

    A window is kept when its first token is a real token; windows running past the end of a
    document see zero vectors, exactly as they would with any amount of trailing padding. So a
    document's features do not depend on how much padding follows it, and documents shorter
    than the widest filter still get features.

    Parameters
    ----------
    filter_sizes : tuple of int
        Window widths, one convolution each.
    num_filters : int
        Feature maps per width.
    seed : int or None
        Seed of the kernel initializers.
    **kwargs
        Of ``keras.layers.Layer``; its ``dtype`` policy is the convolutions' too.
    """

    def __init__(self, filter_sizes, num_filters, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.filter_sizes = tuple(filter_sizes)
        self.num_filters = num_filters
        self.seed = seed
        self.convolutions = [
            keras.layers.Conv1D(
                num_filters,
                width,
                kernel_initializer=keras.initializers.GlorotUniform(
                    seed=None if seed is None else seed + i
                ),
                name=f"conv_{width}",
                # Sub-layers do not inherit their parent's policy: bfloat16 is passed on.
                dtype=self.dtype_policy,
            )
            for i, width in enumerate(self.filter_sizes)
        ]

    def build(self, input_shape):
        embedded_shape, _ = input_shape
        for convolution in self.convolutions:
            convolution.build((embedded_shape[0], None, embedded_shape[-1]))

    def window_responses(self, embedded, mask):
        """Each width's responses, one window per real token; padding windows at the lowest float.

        The one definition of the windows, shared by ``call`` and the explanations, which
        trace each maximum back to its window.
        """
        length = ops.shape(embedded)[1]
        # Trailing zeros so that every real token starts a full window.
        embedded = ops.pad(embedded, [[0, 0], [0, max(self.filter_sizes) - 1], [0, 0]])
        keep = ops.expand_dims(mask, -1)
        # The compute dtype's own lowest: float32's would round to -inf in bfloat16.
        dtype = keras.backend.standardize_dtype(embedded.dtype)
        lowest = ops.cast(ml_dtypes.finfo(dtype).min, dtype)
        return [
            ops.where(keep, convolution(embedded)[:, :length, :], lowest)
            for convolution in self.convolutions
        ]

    def call(self, inputs):
        # ReLU after the max equals the max after ReLU, and an empty document gives 0.
        pooled = [ops.relu(ops.max(r, axis=1)) for r in self.window_responses(*inputs)]
        return ops.concatenate(pooled, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], self.num_filters * len(self.filter_sizes))

    def get_config(self):
        return {
            **super().get_config(),
            "filter_sizes": self.filter_sizes,
            "num_filters": self.num_filters,
            "seed": self.seed,
        }


def build_text_cnn(
    *,
    n_ids,
    n_outputs,
    output_activation,
    embedding_dim,
    filter_sizes,
    num_filters,
    dropout,
    token_dropout=0.0,
    pretrained=None,
    embedding_mode="non-static",
    output_bias=None,
    seed=None,
    compute_dtype="float32",
):
    """Build the Kim (2014) CNN for id sequences of any length.

    Parameters
    ----------
    n_ids : int
        Rows of the embedding table (largest id + 1).
    n_outputs : int
        Units of the output layer.
    output_activation : {"sigmoid", "softmax"}
        Activation of the "probabilities" layer after the linear "output" layer.
    embedding_dim : int
        Width of the embedding.
    filter_sizes : tuple of int
        Convolution widths.
    num_filters : int
        Feature maps per width.
    dropout : float
        Dropout rate before the output layer.
    token_dropout : float, default=0.0
        Share of the tokens whose embedded vectors are zeroed in training (whole vectors,
        drawn per document and position); 0 builds no such layer.
    pretrained : ndarray of shape (n_ids, embedding_dim), default=None
        Initial embedding table.
    embedding_mode : {"non-static", "static", "multichannel"}, default="non-static"
        Fine-tune the table, freeze it, or use a frozen and a fine-tuned copy side by side.
    output_bias : array-like of shape (n_outputs,), default=None
        Initial bias of the output layer; None for zeros.
    seed : int, default=None
        Seed of every initializer and of the dropout mask.
    compute_dtype : {"float32", "bfloat16"}, default="float32"
        Dtype of the embedding lookup, convolutions and dropout, by Keras' ``mixed_bfloat16``
        policy for "bfloat16" (variables stay float32). The output layer, its activation and
        so the loss compute in float32 either way.

    Returns
    -------
    model : keras.Model
        Uncompiled model mapping int32 ids of shape (batch, length) to outputs.
    """

    def seeded(offset):
        return None if seed is None else seed + offset

    # Given to each layer, never set globally: other models of the process are unaffected.
    policy = keras.DTypePolicy("mixed_bfloat16" if compute_dtype == "bfloat16" else "float32")

    def embedding(trainable, name):
        return keras.layers.Embedding(
            n_ids,
            embedding_dim,
            embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed=seeded(0)),
            trainable=trainable,
            name=name,
            dtype=policy,
        )

    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    mask = ops.not_equal(ids, PAD_ID)
    if embedding_mode == "multichannel":
        channels = [embedding(False, "embedding_static"), embedding(True, "embedding")]
    else:
        channels = [embedding(embedding_mode == "non-static", "embedding")]
    embedded = [layer(ids) for layer in channels]
    if pretrained is not None:
        # Assigned, not a Constant initializer, which would copy the table into the config.
        for layer in channels:
            layer.embeddings.assign(pretrained)
    embedded = embedded[0] if len(embedded) == 1 else ops.concatenate(embedded, axis=-1)
    # Zero the padding rows so that no learned or pretrained vector leaks into the windows.
    embedded = embedded * ops.expand_dims(ops.cast(mask, embedded.dtype), -1)
    if token_dropout:
        # One draw per token, shared by its columns: a dropped word is gone, as if unread.
        embedded = keras.layers.Dropout(
            token_dropout,
            noise_shape=(None, None, 1),
            seed=seeded(99),
            name="token_dropout",
            dtype=policy,
        )(embedded)
    features = MaskedConvMaxPool(
        filter_sizes, num_filters, seed=seeded(1), name="convolutions", dtype=policy
    )([embedded, mask])
    features = keras.layers.Dropout(dropout, seed=seeded(100), name="dropout", dtype=policy)(
        features
    )
    logits = keras.layers.Dense(
        n_outputs,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seeded(101)),
        bias_initializer=(
            "zeros" if output_bias is None else keras.initializers.Constant(output_bias)
        ),
        name="output",
        # float32 whatever the policy: sigmoid and softmax saturate in bfloat16, and
        # prediction computes this layer from the pooled features in float64 (output_scores).
        dtype="float32",
    )(features)
    # A layer of its own, so that training reads the logits before it (trained_model).
    outputs = keras.layers.Activation(output_activation, name="probabilities", dtype="float32")(
        logits
    )
    return keras.Model(ids, outputs, name="text_cnn")


def trained_model(network):
    """The model whose training step fits ``network``: one sharing its layers that maps ids to
    the output layer's logits, or, for networks without one, ``network`` itself.

    Training computes its loss from these logits. A loss of the probabilities must clip them
    away from 0 and 1 (float32's sigmoid reaches 1 from a logit of about 17), and past the clip
    it has no gradient: a step so large that every output saturates would leave the weights
    finite and stuck, where the loss of the logits keeps growing until the divergence is
    caught. Networks saved before the activation was a layer of its own (their output layer
    applies it) have no logits to read and train on their probabilities. Built once per
    network.
    """
    if network not in _LOGITS:
        output = network.get_layer("output")
        linear = output.get_config()["activation"] == "linear"
        # None, not the network itself, which as a value would keep its own key alive.
        _LOGITS[network] = keras.Model(network.inputs, output.output) if linear else None
    logits = _LOGITS[network]
    return network if logits is None else logits


def compile_network(network, *, optimizer, target_type, positive_weight=None, jit_compile):
    """Compile ``network``, and its :func:`trained_model` where that is another, with one
    optimizer.

    Parameters
    ----------
    network : keras.Model
        A network of :func:`build_text_cnn`.
    optimizer : keras.optimizers.Optimizer
        Shared by both models: the state is the network's, whichever trains.
    target_type : {"binary", "multilabel-indicator", "multiclass"}
        Picks the cross-entropy: softmax for multiclass, per-output sigmoid otherwise.
    positive_weight : array-like of shape (n_outputs,), default=None
        Factor on each label's positive term (:func:`positive_weighted_binary_crossentropy`).
    jit_compile : bool
        Passed to ``compile``.

    Returns
    -------
    trained : keras.Model
        :func:`trained_model` of the network.
    """

    def loss(from_logits):
        if target_type == "multiclass":
            return keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
        if positive_weight is None:
            return keras.losses.BinaryCrossentropy(from_logits=from_logits)
        return positive_weighted_binary_crossentropy(positive_weight, from_logits=from_logits)

    # The network's loss scores validation outputs (probabilities); the logits model trains.
    network.compile(optimizer=optimizer, loss=loss(False), jit_compile=jit_compile)
    trained = trained_model(network)
    if trained is not network:
        trained.compile(optimizer=optimizer, loss=loss(True), jit_compile=jit_compile)
    return trained


def check_compute_dtype(compute_dtype, *, jit_compile):
    """Raise a ValueError naming ``compute_dtype`` where this backend cannot train in it.

    A backend or build may lack a bfloat16 kernel (a convolution's gradient on some CPUs):
    better said before a fit than as the backend's error from inside it, which is chained.
    """
    if compute_dtype == "float32":
        return
    backend = keras.backend.backend()
    problem = _bfloat16_problem(backend, jit_compile)
    if problem is not None:
        raise ValueError(
            f"compute_dtype='bfloat16' does not run on this machine's {backend} backend: one "
            f"bfloat16 training step of a tiny network raised {type(problem).__name__} "
            "(above). Use compute_dtype='float32'."
        ) from problem


@functools.cache
def _bfloat16_problem(backend, jit_compile):
    """The exception of one training step of a tiny bfloat16 network, or None; once per backend
    and ``jit_compile``, by the step ``fit`` trains with."""
    del backend  # the cache's key: the backend the step ran on
    network = build_text_cnn(
        n_ids=3,
        n_outputs=1,
        output_activation="sigmoid",
        embedding_dim=2,
        filter_sizes=(2,),
        num_filters=1,
        dropout=0.0,
        seed=0,
        compute_dtype="bfloat16",
    )
    trained = compile_network(
        network, optimizer=keras.optimizers.SGD(), target_type="binary", jit_compile=jit_compile
    )
    try:
        step = compiled_train_step(trained, jit_compile=jit_compile)
        step(np.array([[2, 1, 0]], np.int32), np.ones((1, 1), np.float32), np.ones(1, np.float32))
    except Exception as error:  # a step this small fails only for want of bfloat16 support
        return error
    return None


def pooled_features(network):
    """A model sharing ``network``'s layers that maps ids to the pooled features.

    The output layer is linear in these features, so its scores follow from them exactly
    (:func:`output_scores`), the linear part of every prediction and explanation. Built once
    per network.
    """
    features = _FEATURES.get(network)
    if features is None:
        features = keras.Model(network.inputs, network.get_layer("convolutions").output)
        _FEATURES[network] = features
    return features


def output_scores(network, features):
    """The output layer's logits (pre-softmax scores) of pooled ``features``, in float64.

    Dropout is off at prediction, so these are exactly what the output activation reads.
    """
    output = network.get_layer("output")
    kernel = np.asarray(output.kernel, dtype=np.float64)
    return np.asarray(features, dtype=np.float64) @ kernel + np.asarray(output.bias, np.float64)


def positive_weighted_binary_crossentropy(positive_weight, *, from_logits=False):
    """Binary cross-entropy averaged over labels, each label's positive term weighted.

    Parameters
    ----------
    positive_weight : array-like of shape (n_labels,)
        Factor on ``y * log(p)`` per label; values above 1 make missed positives costlier.
    from_logits : bool, default=False
        Whether ``y_pred`` holds logits rather than probabilities (clipped to
        ``[epsilon, 1 - epsilon]``).

    Returns
    -------
    loss : callable
        ``loss(y_true, y_pred)`` giving one value per sample.
    """
    weight = np.asarray(positive_weight, dtype=np.float32)

    def loss(y_true, y_pred):
        if from_logits:
            log_p, log_not_p = ops.log_sigmoid(y_pred), ops.log_sigmoid(-y_pred)
        else:
            epsilon = keras.config.epsilon()
            y_pred = ops.clip(y_pred, epsilon, 1 - epsilon)
            log_p, log_not_p = ops.log(y_pred), ops.log(1 - y_pred)
        terms = weight * y_true * log_p + (1 - y_true) * log_not_p
        return -ops.mean(terms, axis=-1)

    return loss
