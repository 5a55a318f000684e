"""Exact explanations of a TextCNNClassifier's scores: the n-grams behind each label.

After max pooling, each feature of the network is the ReLU of one window's response, and the
output layer is linear in the features (dropout is off at prediction). So a label's network
score (its logit, or its pre-softmax score) is the output bias plus one term
``W[f, label] * h_f`` per feature, and grouping the terms by the window that gave each feature
its maximum yields every window's share of the score with no approximation, from a single
forward pass. The linear term's score is a sum over the document's TF-IDF features (tokens and
token bigrams) too, so with the blend's weights applied the whole score splits into n-grams of
both sources and one constant.
"""

import html
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral

import keras
import numpy as np
import scipy.sparse as sp
from keras import ops
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from sk_textcnn._batching import PREDICT_BATCH_SIZE, batch_width
from sk_textcnn._ids import OOV_ID, PAD_ID
from sk_textcnn._linear import proba_of_scores
from sk_textcnn._multilabel import fitted_on_label_lists
from sk_textcnn._training import expected_retracing
from sk_textcnn.classifier import TextCNNClassifier
from sk_textcnn.vectorizer import SequenceVectorizer, check_documents

__all__ = [
    "CorpusNgram",
    "Explanation",
    "LabelExplanation",
    "NgramContribution",
    "NgramRanking",
    "explain",
    "top_ngrams",
]

# One window-tracing model per fitted network, built on first use (tracing costs a second).
_TRACES = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class NgramContribution:
    """One window of tokens and its additive share of a label's score.

    Attributes
    ----------
    text : str
        The window's tokens joined by spaces; out-of-vocabulary tokens show as the original
        word. Windows that run past the end of a document are shorter than the filter.
    start, end : int
        Token positions ``[start, end)`` in :attr:`Explanation.tokens`.
    char_start, char_end : int or None
        Character offsets ``[char_start, char_end)`` of the window in the document, or None
        where the tokenizer's tokens cannot be found in the text (e.g. a stemming tokenizer).
    contribution : float
        The n-gram's additive share of the score. For ``source="network"``: the sum of the
        terms ``W[f, label] * h_f`` of the features this window gave their maximum, times the
        blend's network weight. For ``source="linear"``: the token's or bigram's TF-IDF value
        times its coefficient, calibration scale and the blend's linear weight.
    source : {"network", "linear"}
        The part of the model the contribution comes from: a window of the network, or a
        feature of the linear term. A feature of the linear term found several times in the
        document is one entry, at its first occurrence.
    """

    text: str
    start: int
    end: int
    char_start: int | None
    char_end: int | None
    contribution: float
    source: str = "network"


@dataclass(frozen=True)
class LabelExplanation:
    """Why a document gets its score for one label.

    With ``top_k=None``, ``bias + sum(n.contribution for n in ngrams) == score`` up to float
    rounding.

    Attributes
    ----------
    label : object
        The label, as in ``classes_`` or by its name from ``label_names``.
    score : float
        The label's logit (binary and multi-label) or pre-softmax score (multiclass), as
        ``decision_function`` gives it.
    bias : float
        The part of the score no n-gram carries, the same for every document: the output
        layer's bias, and with a linear term the linear model's intercept and the blend's
        bias, each weighted as the blend weighs them.
    probability : float
        The label's probability, as ``predict_proba`` gives it.
    ngrams : list of NgramContribution
        The n-grams behind the score, network windows and linear-term features ranked
        together, largest contribution first (the ``top_k`` largest).
    """

    label: object
    score: float
    bias: float
    probability: float
    ngrams: list

    def __str__(self):
        ngrams = self.score - self.bias
        lines = [
            f"{self.label}: probability {self.probability:.3f}, score {self.score:+.3f} = "
            f"bias {self.bias:+.3f} {'+' if ngrams >= 0 else '-'} {abs(ngrams):.3f} from n-grams"
        ]
        lines += [
            f"  {ngram.contribution:+.3f}  {ngram.text!r} (tokens {ngram.start}-{ngram.end}, "
            f"{ngram.source})"
            for ngram in self.ngrams
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class CorpusNgram:
    """An n-gram's contribution to one label summed over a corpus.

    Attributes
    ----------
    text : str
        The n-gram's tokens joined by spaces.
    total : float
        Sum of its contributions over all the documents and positions it fired in.
    n_documents : int
        Number of documents in which it contributed (gave a feature its maximum, or was a
        feature of the linear term).
    mean : float
        ``total / n_documents``: its mean contribution per document it fired in.
    source : {"network", "linear"}
        The part of the model, as in :class:`NgramContribution`.
    """

    text: str
    total: float
    n_documents: int
    mean: float
    source: str = "network"


@dataclass(frozen=True)
class NgramRanking:
    """The n-grams that raise and lower one label's score most over a corpus.

    Attributes
    ----------
    label : object
        The label ranked.
    raising : list of CorpusNgram
        Largest positive totals first.
    lowering : list of CorpusNgram
        Most negative totals first.
    """

    label: object
    raising: list
    lowering: list

    def __str__(self):
        lines = []
        for direction, ngrams in (("raising", self.raising), ("lowering", self.lowering)):
            lines.append(f"n-grams {direction} {self.label}:")
            lines += [
                f"  {n.total:+9.3f} total, {n.mean:+.3f} mean in {n.n_documents:>5} documents"
                f"  {n.text!r} ({n.source})"
                for n in ngrams
            ]
        return "\n".join(lines)


class Explanation:
    """The n-grams behind a document's label scores.

    ``explanation[label]`` gives the :class:`LabelExplanation` of any label of the model (as in
    ``classes_``, or by name with ``label_names``); iterating gives those of the explained
    ``labels``. ``str()`` is a text report and ``to_html()`` shades the document's spans.

    Attributes
    ----------
    document : str
        The document as the vectorizer read it.
    tokens : list of str
        Its tokens, as the vectorizer's tokenizer gives them; the n-grams' ``start`` and
        ``end`` index this list. Tokens cut off by ``max_length`` are listed but never fire.
    labels : list
        The labels explained: the predicted ones, all, or those asked for.
    """

    def __init__(self, document, tokens, offsets, labels, label_explanation):
        self.document = document
        self.tokens = tokens
        self._offsets = offsets
        self.labels = labels
        self._label_explanation = label_explanation
        for label in labels:  # now, once: the explained labels are the point of the object
            self[label]

    def __getitem__(self, label):
        return self._label_explanation(label)

    def __iter__(self):
        return (self[label] for label in self.labels)

    def __len__(self):
        return len(self.labels)

    def __repr__(self):
        return f"<Explanation of {len(self.tokens)} tokens for labels {self.labels!r}>"

    def __str__(self):
        shown = self.document if len(self.document) <= 70 else self.document[:69] + "\u2026"
        lines = [f"{shown!r} ({len(self.tokens)} tokens)"]
        lines += [str(label) for label in self] or ["(no label explained)"]
        return "\n".join(lines)

    def to_html(self):
        """The document once per explained label, each token shaded by its n-grams' share.

        A token's shade is the sum of the contributions of the listed n-grams covering it:
        red raises the label's score, blue lowers it. Hovering shows the value.

        Returns
        -------
        html : str
            An HTML fragment, every piece of text escaped.
        """
        blocks = []
        for explained in self:
            heading = html.escape(
                f"{explained.label}: probability {explained.probability:.3f}, "
                f"score {explained.score:+.3f} (bias {explained.bias:+.3f})"
            )
            blocks.append(
                f'<div class="sk-textcnn-explanation"><p><b>{heading}</b></p>'
                f'<p style="white-space: pre-wrap">{self._shaded_text(explained.ngrams)}</p></div>'
            )
        return "\n".join(blocks) or "<p>(no label explained)</p>"

    def _repr_html_(self):
        return self.to_html()

    def _shaded_text(self, ngrams):
        shade = np.zeros(len(self.tokens))
        for ngram in ngrams:
            shade[ngram.start : ngram.end] += ngram.contribution
        scale = np.abs(shade).max(initial=0.0) or 1.0
        spans = []
        for value in shade:
            color = "220, 38, 38" if value > 0 else "37, 99, 235"
            spans.append(
                f'<span style="background: rgba({color}, {0.8 * abs(value) / scale:.2f})" '
                f'title="{value:+.3f}">'
            )
        if self._offsets is None:  # the tokens, not the text, where offsets are unknown
            return " ".join(
                f"{span}{html.escape(token)}</span>"
                for span, token in zip(spans, self.tokens, strict=True)
            )
        pieces, cursor = [], 0
        for span, (start, end) in zip(spans, self._offsets, strict=True):
            pieces += [html.escape(self.document[cursor:start]), span]
            pieces += [html.escape(self.document[start:end]), "</span>"]
            cursor = end
        pieces.append(html.escape(self.document[cursor:]))
        return "".join(pieces)


def explain(model, documents, *, labels="predicted", top_k=5, label_names=None):
    """Explain each document's label scores by the n-grams that produced them, exactly.

    Every pooled feature of the network is the response of one window of tokens, and each
    label's network score is linear in those features, so it splits into the output bias and
    one contribution per window: the sum of ``W[f, label] * h_f`` over the features whose
    maximum the window gave. With a linear term (the default), its score splits the same way
    into one contribution per token and token bigram of its TF-IDF features (TF-IDF value x
    coefficient x calibration scale), credited to the n-gram's first occurrence in the
    document. Both are weighted as the blend weighs them and ranked together, each n-gram
    marked with its ``source``; what no n-gram carries (biases and intercepts) is ``bias``,
    the same for every document. The scores are ``decision_function``'s, the probabilities
    ``predict_proba``'s, computed from the same pooled features (with
    ``compute_dtype="bfloat16"`` too): identical on TensorFlow without ``jit_compile``. Where
    XLA compiles (JAX, ``jit_compile=True``) this pass and ``predict``'s are compiled apart
    and may round differently: in bfloat16 each feature ``h_f`` by up to ``2**-8`` of it, so
    a score may differ from ``decision_function``'s by ``2**-8 * sum_f |W[f, label] * h_f|``
    at most. The cost is about one prediction (one forward pass).

    Binary targets explain ``classes_[1]``'s logit; ``classes_[0]`` has the same terms with
    the opposite sign. Multiclass targets explain the pre-softmax scores.

    Parameters
    ----------
    model : Pipeline
        A fitted pipeline ending in ``SequenceVectorizer`` -> ``TextCNNClassifier``; earlier
        steps, if any, must map text to text. For ``make_multilabel_ensemble()``, explain its
        network: ``model.estimator_.named_estimators_["cnn"]``.
    documents : iterable of str
        Raw documents.
    labels : "predicted", "all" or list, default="predicted"
        Labels each explanation lists: those ``predict`` gives (with the classifier's current
        ``threshold`` and ``at_least_one_label``), every label, or the labels given.
    top_k : int or None, default=5
        N-grams kept per label, largest contribution first; None keeps every window that gave
        a feature its maximum and every linear-term feature, whose contributions then sum
        with ``bias`` to ``score``.
    label_names : sequence of str, default=None
        A name per entry of ``classes_`` (e.g. the topic of each multi-label column), used in
        the explanations and accepted in ``labels`` and ``explanation[label]``.

    Returns
    -------
    explanations : list of Explanation
        One per document.

    See Also
    --------
    top_ngrams : The n-grams behind a label over a whole corpus.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sk_textcnn import SequenceVectorizer, TextCNNClassifier, explain
    >>> texts = ["good movie", "great film", "awful movie", "bad film"] * 8
    >>> labels = ["pos", "pos", "neg", "neg"] * 8
    >>> pipeline = make_pipeline(
    ...     SequenceVectorizer(),
    ...     TextCNNClassifier(
    ...         num_filters=8, embedding_dim=8, filter_sizes=(1, 2), epochs=20, random_state=0
    ...     ),
    ... ).fit(texts, labels)
    >>> explanation = explain(pipeline, ["a great movie"])[0]
    >>> explanation.labels
    ['pos']
    >>> explained = explanation["pos"]
    >>> explained.ngrams[0].text
    'great'
    >>> total = explained.bias + sum(n.contribution for n in explain(
    ...     pipeline, ["a great movie"], top_k=None)[0]["pos"].ngrams)
    >>> bool(abs(total - explained.score) < 1e-4)
    True
    """
    vectorizer, classifier = _check_pipeline(model)
    documents = check_documents(documents, name="documents")
    if len(model) > 2:
        documents = check_documents(model[:-2].transform(documents), name="transformed documents")
    if top_k is not None and (
        not isinstance(top_k, Integral) or isinstance(top_k, bool) or top_k < 1
    ):
        raise ValueError(f"top_k must be a positive int or None; got top_k={top_k!r}.")
    space = _LabelSpace(classifier, label_names)
    requested = space.requested(labels)

    ids = vectorizer.transform(documents)
    real = ids != PAD_ID
    lengths = real.sum(axis=1)
    aligned = np.zeros_like(ids, dtype=np.int32)
    aligned[np.arange(ids.shape[1]) < lengths[:, None]] = ids[real]
    # Ids the network never saw are out-of-vocabulary tokens, as in predict.
    aligned[aligned >= classifier.n_ids_] = OOV_ID
    features, window_starts = _max_windows(
        classifier.model_, aligned, lengths, jit_compile=classifier.jit_compile
    )
    # The classifier's own scoring path, from these features: the scores are
    # decision_function's, and the probabilities and labels predict_proba's and predict's.
    scores = classifier._scores_of_features(features, aligned)
    probabilities = proba_of_scores(scores, classifier.target_type_ == "multiclass")
    if requested is None:
        requested_per_document = space.predicted(classifier._labels_of_outputs(probabilities))
    else:
        requested_per_document = [requested] * len(ids)

    parts = _ScoreParts(classifier, aligned)
    pooling = classifier.model_.get_layer("convolutions")
    widths = np.repeat(pooling.filter_sizes, pooling.num_filters)
    scoring = _Scoring(space, parts, scores, probabilities, top_k)
    truncate_front = vectorizer.truncating == "pre"
    explanations = []
    for row, (document, tokens) in enumerate(
        zip(documents, _tokens(vectorizer, documents), strict=True)
    ):
        offsets = _token_offsets(document, tokens, vectorizer.lowercase)
        windows = _Windows(features[row], window_starts[row], widths, lengths[row])
        # Token positions count from the document's first token, cut off or not.
        first = len(tokens) - lengths[row] if truncate_front else 0
        explainer = _LabelExplainer(scoring, row, windows, tokens, offsets, first)
        explanations.append(
            Explanation(document, tokens, offsets, requested_per_document[row], explainer)
        )
    return explanations


def top_ngrams(model, documents, label, *, top_k=20, label_names=None):
    """The n-grams that raise and lower a label's score most over a corpus.

    The corpus counterpart of a linear model's largest coefficients: every window's exact
    contribution (see :func:`explain`) summed by n-gram text over all ``documents``.

    Parameters
    ----------
    model : Pipeline
        A fitted pipeline ending in ``SequenceVectorizer`` -> ``TextCNNClassifier``.
    documents : iterable of str
        The corpus.
    label : object
        The label, as in ``classes_`` or a name from ``label_names``.
    top_k : int, default=20
        N-grams listed on each side.
    label_names : sequence of str, default=None
        A name per entry of ``classes_``.

    Returns
    -------
    ranking : NgramRanking
        ``raising`` (largest positive totals first) and ``lowering`` (most negative first).

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sk_textcnn import SequenceVectorizer, TextCNNClassifier, top_ngrams
    >>> texts = ["good movie", "great film", "awful movie", "bad film"] * 8
    >>> labels = ["pos", "pos", "neg", "neg"] * 8
    >>> pipeline = make_pipeline(
    ...     SequenceVectorizer(),
    ...     TextCNNClassifier(
    ...         num_filters=8, embedding_dim=8, filter_sizes=(1, 2), epochs=20, random_state=0
    ...     ),
    ... ).fit(texts, labels)
    >>> ranking = top_ngrams(pipeline, texts, "pos", top_k=2)
    >>> sorted(n.text for n in ranking.raising)
    ['good', 'great']
    """
    if not isinstance(top_k, Integral) or isinstance(top_k, bool) or top_k < 1:
        raise ValueError(f"top_k must be a positive int; got top_k={top_k!r}.")
    explanations = explain(model, documents, labels=[label], top_k=None, label_names=label_names)
    totals, counts = {}, {}
    for explanation in explanations:
        explained = explanation[explanation.labels[0]]
        for key in {(ngram.text, ngram.source) for ngram in explained.ngrams}:
            counts[key] = counts.get(key, 0) + 1
        for ngram in explained.ngrams:
            key = ngram.text, ngram.source
            totals[key] = totals.get(key, 0.0) + ngram.contribution
    ranked = sorted(totals, key=lambda key: (-totals[key], key))
    corpus = [
        CorpusNgram(
            text,
            totals[text, source],
            counts[text, source],
            totals[text, source] / counts[text, source],
            source,
        )
        for text, source in ranked
    ]
    name = explanations[0].labels[0] if explanations else label
    return NgramRanking(
        label=name,
        raising=[n for n in corpus if n.total > 0][:top_k],
        lowering=[n for n in reversed(corpus) if n.total < 0][:top_k],
    )


def _check_pipeline(model):
    """The fitted vectorizer and classifier at the end of ``model``, or a clear error."""
    if not (
        isinstance(model, Pipeline)
        and len(model) >= 2
        and isinstance(model[-2], SequenceVectorizer)
        and isinstance(model[-1], TextCNNClassifier)
    ):
        raise TypeError(
            "model must be a Pipeline ending in SequenceVectorizer -> TextCNNClassifier, e.g. "
            "make_pipeline(SequenceVectorizer(), TextCNNClassifier()); got "
            f"{type(model).__name__}. For make_multilabel_ensemble(), explain its network: "
            "model.estimator_.named_estimators_['cnn']."
        )
    check_is_fitted(model[-2])
    check_is_fitted(model[-1])
    return model[-2], model[-1]


class _LabelSpace:
    """The classifier's labels: names, lookup, output column, probabilities and predictions."""

    def __init__(self, classifier, label_names):
        self.classifier = classifier
        classes = classifier.classes_.tolist()
        if label_names is None:
            self.names = classes
        else:
            self.names = list(label_names)
            if len(self.names) != len(classes):
                raise ValueError(
                    f"label_names must hold one name per entry of classes_ ({len(classes)}); "
                    f"got {len(self.names)}."
                )
            if len(set(self.names)) != len(self.names):
                raise ValueError("label_names must be distinct; a name appears twice.")
        self._index = {label: i for i, label in enumerate(classes)}
        self._index.update({name: i for i, name in enumerate(self.names)})

    def index(self, label):
        """Position of ``label`` (a class or a name) in ``classes_``."""
        key = label.item() if isinstance(label, np.generic) else label
        try:
            return self._index[key]
        except (KeyError, TypeError):
            shown = ", ".join(map(repr, self.names[:10]))
            shown += ", ..." if len(self.names) > 10 else ""
            raise ValueError(f"{label!r} is not one of the model's labels: {shown}.") from None

    def column_and_sign(self, index):
        """The output unit behind label ``index`` and the sign of its terms."""
        if self.classifier.target_type_ == "binary":
            return 0, 1.0 if index == 1 else -1.0
        return index, 1.0

    def requested(self, labels):
        """The names of the labels asked for, or None for the predicted ones."""
        if isinstance(labels, str) and labels in ("predicted", "all"):
            return None if labels == "predicted" else list(self.names)
        if isinstance(labels, (str, bytes)) or not isinstance(labels, (Sequence, np.ndarray)):
            raise ValueError(
                f"labels must be 'predicted', 'all' or a list of labels; got labels={labels!r}. "
                "To explain one label, pass a list: labels=[label]."
            )
        return [self.names[self.index(label)] for label in labels]

    def predicted(self, predictions):
        """The names of the labels in ``predict``'s output, per document."""
        if self.classifier.target_type_ != "multilabel-indicator":
            return [[self.names[self.index(label)]] for label in predictions]
        if fitted_on_label_lists(self.classifier):
            return [[self.names[self.index(label)] for label in row] for row in predictions]
        if sp.issparse(predictions):
            predictions = predictions.toarray()
        return [[self.names[i] for i in np.flatnonzero(row)] for row in predictions]


class _ScoreParts:
    """The additive parts of the classifier's scores: the network's output weights, the
    linear term's weighted coefficients over each document's TF-IDF features, and the
    constant ``bias`` of each output; all scaled as the blend weighs them."""

    def __init__(self, classifier, ids):
        output = classifier.model_.get_layer("output")
        self.kernel = np.asarray(output.kernel, dtype=np.float64)
        self.bias = np.asarray(output.bias, dtype=np.float64)
        self.linear_term = getattr(classifier, "linear_term_", None)
        if self.linear_term is None:
            return
        network_weight, linear_weight = classifier.blend_weights_
        term = self.linear_term
        self.kernel = network_weight * self.kernel
        scale = np.broadcast_to(term.scale_, term.intercept_.shape)  # a float, or one per label
        self.coef = linear_weight * scale[:, None] * term.coef_
        self.bias = (
            network_weight * self.bias
            + linear_weight * (term.intercept_ * term.scale_ + term.offset_)
            + classifier.blend_bias_
        )
        self.ids = ids
        self.tfidf = term.features(ids)
        self._spans = {}

    def linear(self, row, column):
        """Span ``(start, end)`` and contribution of each of document ``row``'s linear-term
        features to output ``column``."""
        if self.linear_term is None:
            return [], np.zeros(0)
        # The row's part of the CSR arrays: scipy's row indexing costs more than the product.
        stored = slice(self.tfidf.indptr[row], self.tfidf.indptr[row + 1])
        features, values = self.tfidf.indices[stored], self.tfidf.data[stored]
        if row not in self._spans:  # once per document, whatever the number of labels
            columns, starts, ends = self.linear_term.feature_spans(self.ids[row])
            at = np.searchsorted(columns, features)
            self._spans[row] = list(zip(starts[at], ends[at], strict=True))
        return self._spans[row], values * self.coef[column, features]


class _Windows:
    """The features of one document that fired, grouped by the token window behind each."""

    def __init__(self, features, starts, widths, length):
        fired = np.flatnonzero(features > 0)
        self.features = fired
        self.values = features[fired].astype(np.float64)
        window_starts = starts[fired]
        window_ends = np.minimum(window_starts + widths[fired], length)
        # Windows cut by the end of the document may coincide: group by the tokens covered.
        keys = window_starts * (int(widths.max()) + 1) + (window_ends - window_starts)
        _, first, self.group = np.unique(keys, return_index=True, return_inverse=True)
        self.starts = window_starts[first]
        self.ends = window_ends[first]


@dataclass(frozen=True)
class _Scoring:
    """What every document's explanations share: labels, score parts, scores, ``top_k``."""

    space: _LabelSpace
    parts: _ScoreParts
    scores: np.ndarray
    probabilities: np.ndarray
    top_k: int | None


class _LabelExplainer:
    """Builds one document's LabelExplanation of any label on demand, once per label."""

    def __init__(self, scoring, row, windows, tokens, offsets, first):
        self.scoring = scoring
        self.row = row
        self.windows = windows
        self.tokens = tokens
        self.offsets = offsets
        self.first = first
        self.explained = {}

    def __call__(self, label):
        index = self.scoring.space.index(label)
        if index not in self.explained:
            self.explained[index] = self._explain(index)
        return self.explained[index]

    def _explain(self, index):
        scoring, row, windows = self.scoring, self.row, self.windows
        column, sign = scoring.space.column_and_sign(index)
        terms = sign * windows.values * scoring.parts.kernel[windows.features, column]
        contributions = np.bincount(windows.group, weights=terms, minlength=len(windows.starts))
        spans = list(zip(windows.starts, windows.ends, strict=True))
        sources = ["network"] * len(spans)
        linear_spans, linear_terms = scoring.parts.linear(row, column)
        spans += linear_spans
        sources += ["linear"] * len(linear_spans)
        contributions = np.concatenate([contributions, sign * linear_terms])
        order = np.argsort(-contributions, kind="stable")[: scoring.top_k]
        probability = scoring.probabilities[row, column]
        return LabelExplanation(
            label=scoring.space.names[index],
            score=float(sign * scoring.scores[row, column]),
            bias=float(sign * scoring.parts.bias[column]),
            probability=float(probability if sign > 0 else 1 - probability),
            ngrams=[self._ngram(*spans[i], contributions[i], sources[i]) for i in order],
        )

    def _ngram(self, start, end, contribution, source):
        start, end = int(start) + self.first, int(end) + self.first
        char_start = char_end = None
        if self.offsets is not None:
            char_start, char_end = self.offsets[start][0], self.offsets[end - 1][1]
        return NgramContribution(
            text=" ".join(self.tokens[start:end]),
            start=start,
            end=end,
            char_start=char_start,
            char_end=char_end,
            contribution=float(contribution),
            source=source,
        )


def _tokens(vectorizer, documents):
    """Each document's tokens, as the vectorizer reads them."""
    if hasattr(vectorizer, "build_analyzer"):
        analyze = vectorizer.build_analyzer()
        return [list(analyze(document)) for document in documents]
    return list(vectorizer._tokenize(documents))


def _token_offsets(document, tokens, lowercase):
    """The ``(start, end)`` character span of each token, found in order; None if impossible.

    Tokens are looked for in the text the tokenizer read (lowercased when ``lowercase``); a
    token not found there (a tokenizer that rewrites words) or a lowercasing that changes the
    text's length leaves the spans unknown.
    """
    searched = document.lower() if lowercase else document
    if len(searched) != len(document):
        return None
    offsets, cursor = [], 0
    for token in tokens:
        start = searched.find(token, cursor)
        if start < 0:
            return None
        cursor = start + len(token)
        offsets.append((start, cursor))
    return offsets


class _MaxWindowTrace(keras.layers.Layer):
    """A MaskedConvMaxPool's pooled features before their ReLU, and the window of each maximum.

    The pooling layer's own windows (``MaskedConvMaxPool.window_responses``); the first window
    wins ties.
    """

    def __init__(self, pooling, **kwargs):
        super().__init__(**kwargs)
        self.pooling = pooling

    def call(self, inputs):
        maxima, starts = [], []
        for responses in self.pooling.window_responses(*inputs):
            maxima.append(ops.max(responses, axis=1))
            starts.append(ops.cast(ops.argmax(responses, axis=1), "int32"))
        return ops.concatenate(maxima, axis=-1), ops.concatenate(starts, axis=-1)


def _max_windows(network, ids, lengths, *, jit_compile):
    """Every document's pooled features and the start of the window behind each.

    ``ids`` are left-aligned; documents go through in the batches of ``predict``
    (:func:`~sk_textcnn._batching.predict_in_batches`): of similar length, cut to the same
    width. On TensorFlow without XLA the same shapes give ``predict``'s features bit for bit,
    in bfloat16 too; XLA (JAX, ``jit_compile``) fuses this model and ``predict``'s apart and
    may keep excess precision in either, so there a bfloat16 feature can differ by one
    bfloat16 rounding (``2**-8`` of it).
    """
    trace = _TRACES.get(network)
    if trace is None:
        pooling = network.get_layer("convolutions")
        # From the network's own graph: the embedded tokens and mask the pooling layer reads.
        trace = keras.Model(network.inputs, _MaxWindowTrace(pooling)(pooling.input))
        _TRACES[network] = trace
    n_features = network.get_layer("output").kernel.shape[0]
    features = np.zeros((len(ids), n_features), dtype=np.float32)
    starts = np.zeros((len(ids), n_features), dtype=np.int64)
    order = np.argsort(lengths, kind="stable")
    # Batches are cut to their longest document, so each new width retraces, as in predict.
    with expected_retracing():
        for begin in range(0, len(order), PREDICT_BATCH_SIZE):
            batch = order[begin : begin + PREDICT_BATCH_SIZE]
            width = batch_width(lengths[batch[-1]], ids.shape[1], jit_compile=jit_compile)
            maxima, batch_starts = trace.predict_on_batch(ids[batch, :width])
            features[batch] = np.maximum(maxima, 0)
            starts[batch] = batch_starts
    return features, starts
