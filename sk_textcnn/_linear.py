"""The linear term of TextCNNClassifier: a linear SVM over TF-IDF of the token ids, blended
with the network's logits on held-out documents.

On a few thousand documents a convolutional network and a bag-of-words linear model make
different mistakes, and neither wins everywhere: the network reads word order, the linear
model weighs every word of the vocabulary from few examples. :class:`LinearTerm` fits the
linear model on the same id matrix and training rows as the network; :func:`fit_blend` then
learns, on the validation rows neither model was trained on, how much of each to trust:

    logits = network_weight * network_logits + linear_weight * linear_scores + bias

Both weights are non-negative and fitted by minimizing the validation loss, so the blend can
fall back on either model alone (weights ``(1, 0)`` or ``(0, 1)``) and is never worse than
that on the validation rows. Fitting the blend on rows the linear model was trained on would
be the stacking trap: its scores there are overconfident and the blend would trust it too
much. A few held-out rows (10 of 100 documents) cannot carry that fit alone: a single-label
blend is pulled towards the linear term alone (``PRIOR_ROWS``), with the linear term's own weight
fitted on its cross-fitted scores of every row. Once the blend (and the thresholds) are fitted,
TextCNNClassifier refits the linear term on all rows (:meth:`LinearTerm.refit`): multi-label
scores are calibrated logits, whose scale the extra rows leave alone (so the calibration is
kept), and a single-label SVM's margins grow by a few percent
for the held-out tenth, less than the extra rows gain.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.svm import LinearSVC

from sk_textcnn._ids import OOV_ID

# Binary and multi-label probabilities are kept this far from 0 and 1.
_EPSILON = 1e-7
# Blend weights below this are 0: both at once would make a constant predictor.
_NO_WEIGHT = 1e-6
# Folds of the out-of-fold margins that multi-label SVM scores are calibrated on.
CALIBRATION_FOLDS = 3
# A single-label blend is pulled towards the linear term alone by a prior worth this many
# held-out rows (fit_blend): chosen on validation subsets of SST-2 and TREC of 100 to 500
# documents (issue 23), where 5 beat 10, 20 and 40 and no prior.
PRIOR_ROWS = 5
# Below this many distinct training documents the linear term leaves one-character words out
# (single-label and multi-label targets alike, though measured on single-label sets): on
# validation subsets of SST-2 and TREC (issue 23) that lifted the defaults at 100, 200 and
# 500 documents (by 0.1 to 0.7 points), was mixed at 1,000 and cost 0.1 to 0.4 from 2,000 on,
# where enough documents make single letters evidence (initials, abbreviations).
ONE_CHARACTER_WORDS_FROM = 1000


def bag_of_ids(X, n_ids, bigram_codes=None):
    """Counts of each id (and of each known id bigram) per row, as a CSR matrix.

    Padding and out-of-vocabulary ids carry no evidence and are left out: an unknown token
    counted as a word would get the largest inverse document frequency of all. Bigram
    ``(a, b)`` is the code ``a * n_ids + b``; column ``n_ids + i`` counts ``bigram_codes[i]``.
    """
    n_rows = X.shape[0]
    known = X > OOV_ID
    rows = [np.nonzero(known)[0].astype(np.int64)]
    columns = [X[known].astype(np.int64)]
    if bigram_codes is not None:
        bigram_rows, _, bigram_columns = _known_bigrams(X, n_ids, bigram_codes)
        rows.append(bigram_rows)
        columns.append(bigram_columns)
    n_columns = n_ids + (0 if bigram_codes is None else len(bigram_codes))
    # Each (row, column) pair once with its count, in row-major order: the CSR arrays
    # directly (a COO matrix's conversion costs more than this for a single document).
    cells, counts = np.unique(
        np.concatenate(rows) * n_columns + np.concatenate(columns), return_counts=True
    )
    indptr = np.searchsorted(cells, np.arange(n_rows + 1) * n_columns)
    return sp.csr_matrix(
        (counts.astype(np.float64), cells % n_columns, indptr), shape=(n_rows, n_columns)
    )


def single_character_ids(id_tokens, X, n_documents):
    """Ids of the one-character tokens of ``id_tokens``, for ``LinearTerm(skipped_ids=)``.

    None from ``ONE_CHARACTER_WORDS_FROM`` distinct training documents (``n_documents``) on,
    where the tokens are unknown (``id_tokens`` None: a plain id matrix), where ``X`` holds no
    word, and where one-character tokens are most of its words: text read a character at a
    time, or in a script without spaces, has little else for the linear term to count.
    """
    if id_tokens is None or n_documents >= ONE_CHARACTER_WORDS_FROM:
        return None
    lengths = np.fromiter((len(t) if isinstance(t, str) else 0 for t in id_tokens), int)
    words = X[(X > OOV_ID) & (X < len(id_tokens))]
    if not words.size or np.mean(lengths[words] == 1) > 0.5:
        return None
    return np.flatnonzero(lengths == 1)


def _bigrams(X, n_ids):
    """Row index, position and code of every pair of adjacent known ids."""
    left, right = X[:, :-1].astype(np.int64), X[:, 1:].astype(np.int64)
    known = (left > OOV_ID) & (right > OOV_ID)
    rows, starts = np.nonzero(known)
    return rows, starts, left[known] * n_ids + right[known]


def _known_bigrams(X, n_ids, bigram_codes):
    """Row index, position and feature column of every pair of adjacent ids that is one of
    the sorted ``bigram_codes``."""
    rows, starts, codes = _bigrams(X, n_ids)
    position = np.searchsorted(bigram_codes, codes)
    hit = position < len(bigram_codes)
    hit[hit] = bigram_codes[position[hit]] == codes[hit]
    return rows[hit], starts[hit], n_ids + position[hit]


def frequent_bigrams(X, n_ids, min_df=2):
    """Sorted codes of the id bigrams found in at least ``min_df`` rows."""
    rows, _, codes = _bigrams(X, n_ids)
    per_row = np.unique(np.stack([codes, rows]), axis=1)[0]
    codes, document_frequency = np.unique(per_row, return_counts=True)
    return codes[document_frequency >= min_df]


class LinearTerm:
    """TF-IDF (sublinear) of the token ids and a linear SVM, one score per network output.

    Ids in ``skipped_ids`` are read as out-of-vocabulary: on few documents the classifier
    passes those of the one-character tokens (:func:`single_character_ids`), which
    scikit-learn's default token pattern (``\\b\\w\\w+\\b``) leaves out of ``TfidfVectorizer``
    too, and which the network keeps.

    Multi-label targets get one ``LinearSVC(class_weight="balanced")`` per label over unigram
    ids: the balanced weights keep rare labels predicted, which macro-F1 rewards. Their
    margins are on scales that differ from label to label, so each label's margin is scaled
    into a logit (:func:`platt_scaling`, without offset), fitted on out-of-fold margins of
    the training rows (``CALIBRATION_FOLDS`` folds): margins of rows the SVM was trained on
    would be overconfident. Binary and multiclass targets get one ``LinearSVC`` over
    unigrams and the id bigrams found in at least two training documents; their one scale is
    left to the blend.

    Parameters
    ----------
    target_type : {"binary", "multiclass", "multilabel-indicator"}
        Kind of target, as ``TextCNNClassifier.target_type_``.
    n_ids : int
        Ids below this count as words; the id matrix must hold no larger id.
    random_state : int
        Seed of the SVM solver's coordinate order.
    skipped_ids : ndarray of int, default=None
        Ids the term does not count; None counts every word id.
    """

    # Terms pickled before skipped_ids existed count every id, as they were fitted to.
    skipped_ids = None

    def __init__(self, target_type, n_ids, random_state, skipped_ids=None):
        self.target_type = target_type
        self.n_ids = n_ids
        self.random_state = random_state
        self.skipped_ids = skipped_ids

    def _counted(self, X):
        """``X`` with the skipped ids read as out-of-vocabulary."""
        if self.skipped_ids is None or not len(self.skipped_ids):
            return X
        return np.where(np.isin(X, self.skipped_ids), OOV_ID, X)

    def fit(self, X, Y, sample_weight):
        """Fit on ids ``X`` and the network's encoded target ``Y``; return self."""
        features, target = self._fit_features_and_svm(X, Y, sample_weight)
        self.scale_, self.offset_ = 1.0, 0.0
        if self.target_type == "multilabel-indicator":
            # Labels with positives and negatives of positive weight here; a constant one's
            # scale is about 0.
            self.calibrated_ = _varies(Y, sample_weight)
            folds = KFold(CALIBRATION_FOLDS, shuffle=True, random_state=self.random_state)
            margins = np.zeros(Y.shape)
            for train, held_out in folds.split(features):
                coef, intercept = self._fit_svm(
                    features[train], target[train], sample_weight[train]
                )
                margins[held_out] = features[held_out] @ coef.T + intercept
            self.scale_, self.offset_ = platt_scaling(margins, Y, sample_weight)
        return self

    def refit(self, X, Y, sample_weight):
        """Fit the TF-IDF and SVM again on ``X`` (more rows), keeping ``scale_`` and ``offset_``;
        return self.

        A multi-label term's calibration is not redone: its out-of-fold margins on the first
        rows already put each label's margins on the scale of logits, which more rows leave
        alone, and it costs three one-vs-rest fits of the SVM. Unless a label constant in the
        first rows (so without a scale of its own) has both values in these: then ``fit``.
        """
        multilabel = self.target_type == "multilabel-indicator"
        if multilabel and np.any(_varies(Y, sample_weight) & ~self.calibrated_):
            return self.fit(X, Y, sample_weight)
        self._fit_features_and_svm(X, Y, sample_weight)
        return self

    def _fit_features_and_svm(self, X, Y, sample_weight):
        """Fit the bigram list, TF-IDF and SVM; return the TF-IDF rows and the SVM's target."""
        multilabel = self.target_type == "multilabel-indicator"
        X = self._counted(X)
        self.bigram_codes_ = None if multilabel else frequent_bigrams(X, self.n_ids)
        counts = bag_of_ids(X, self.n_ids, self.bigram_codes_)
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
        features = self.tfidf_.transform(counts)
        target = Y.astype(int) if multilabel else Y.ravel().astype(int)
        coef, self.intercept_ = self._fit_svm(features, target, sample_weight)
        # Fortran order, so that coef_.T is C-ordered: scipy multiplies sparse rows by a
        # C-ordered matrix in place, and would copy all of it for every call otherwise.
        self.coef_ = np.asfortranarray(coef)
        return features, target

    def _fit_svm(self, features, target, sample_weight):
        """``(coef, intercept)`` of shapes (n_outputs, n_features) and (n_outputs,): a linear
        SVM's, or for a multi-label target one balanced SVM's per label.

        The labels' SVMs are those ``OneVsRestClassifier(LinearSVC(class_weight="balanced"))``
        fits, fitted here because it passes no sample weights on (not without scikit-learn's
        metadata routing). A label that no row of positive weight shows both ways scores its
        one value, as OneVsRestClassifier scores a label constant in training.
        """
        multilabel = self.target_type == "multilabel-indicator"
        svm = LinearSVC(
            class_weight="balanced" if multilabel else None, random_state=self.random_state
        )
        with warnings.catch_warnings():
            # The blend weighs the scores on held-out rows; a not fully converged SVM costs
            # little there, and the warning would name a model the user never built.
            warnings.simplefilter("ignore", ConvergenceWarning)
            if not multilabel:
                return self._fit_single_label_svm(svm, features, target, sample_weight)
            coef = np.zeros((target.shape[1], features.shape[1]))
            intercept = np.zeros(target.shape[1])
            varies = _varies(target, sample_weight)
            for label in np.flatnonzero(varies):
                fitted = clone(svm).fit(features, target[:, label], **_weight(sample_weight))
                coef[label], intercept[label] = fitted.coef_.ravel(), fitted.intercept_[0]
            constant = ~varies
            intercept[constant] = target[np.argmax(sample_weight > 0)][constant]
            return coef, intercept

    def _fit_single_label_svm(self, svm, features, target, sample_weight):
        """The SVM's ``(coef, intercept)`` on the rows of positive weight, a row per class of
        ``target`` where it holds more than two (else one: the second class's margin).

        A class whose every row weighs 0 (``class_weight``, ``sample_weight``) is one the SVM
        cannot score, and scikit-learn's then leaves its row out of ``coef_`` without saying
        which. So the SVM is fitted on the weighted rows alone, and a class missing from them
        scores below every other class on every document: TF-IDF rows have unit norm, so no
        class scores below its intercept minus its coefficients' norm.
        """
        classes = np.unique(target)
        weighted = sample_weight > 0
        if weighted.all():
            svm.fit(features, target, **_weight(sample_weight))
        else:
            svm.fit(features[weighted], target[weighted], sample_weight=sample_weight[weighted])
        coef, intercept = svm.coef_, svm.intercept_
        if self.target_type == "binary" or len(svm.classes_) == len(classes):
            return coef, intercept
        if len(svm.classes_) == 2:  # one margin, the second class's: the first gets minus it
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        below = np.min(intercept - np.linalg.norm(coef, axis=1)) - 1
        rows = np.searchsorted(classes, svm.classes_)
        all_coef = np.zeros((len(classes), coef.shape[1]))
        all_intercept = np.full(len(classes), below)
        all_coef[rows], all_intercept[rows] = coef, intercept
        return all_coef, all_intercept

    def cross_fitted_scores(self, X, Y, sample_weight):
        """Single-label scores of each row by a term fitted without it (``CALIBRATION_FOLDS``
        stratified folds), or None where a fold's training rows of positive weight hold fewer
        than two classes (three of a multiclass target).

        An output absent from a fold's training rows scores below all others on that fold.
        """
        labels = Y.ravel().astype(int)
        n_outputs = 1 if self.target_type == "binary" else int(labels.max()) + 1
        scores = np.zeros((len(labels), n_outputs))
        folds = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=self.random_state)
        with warnings.catch_warnings():
            # "The least populated class has only 1 member": that class is missed by one fold.
            warnings.filterwarnings("ignore", "The least populated class", UserWarning)
            splits = list(folds.split(X, labels))
        for train, held_out in splits:
            present = np.unique(labels[train])
            weighted = np.unique(labels[train][sample_weight[train] > 0])
            if len(weighted) < (2 if n_outputs == 1 else 3):
                return None
            term = LinearTerm(self.target_type, self.n_ids, self.random_state, self.skipped_ids)
            fold_scores = term.fit(X[train], Y[train], sample_weight[train]).decision_function(
                X[held_out]
            )
            if fold_scores.shape[1] == n_outputs:
                scores[held_out] = fold_scores
            else:
                scores[held_out] = fold_scores.min() - 1
                scores[np.ix_(held_out, present)] = fold_scores
        return scores

    def features(self, X):
        """TF-IDF rows of ids ``X``, a CSR matrix: a column per id, then per known bigram.

        ``tfidf_.transform``, computed here: its input validation costs more than the
        arithmetic for the one document of a single prediction.
        """
        features = bag_of_ids(self._counted(X), self.n_ids, self.bigram_codes_)
        features.data = (1 + np.log(features.data)) * self.tfidf_.idf_[features.indices]
        rows = np.repeat(np.arange(features.shape[0]), np.diff(features.indptr))
        norms = np.sqrt(np.bincount(rows, weights=features.data**2, minlength=features.shape[0]))
        features.data /= norms[rows]
        return features

    def decision_function(self, X):
        """Scores of shape (n_samples, n_outputs): one per label, class or positive class.

        ``features(X) @ (scale_ * coef_).T + (scale_ * intercept_ + offset_)``, computed in
        one sparse product for all outputs (one-vs-rest would loop over the labels).
        """
        scores = np.asarray(self.features(X) @ self.coef_.T) + self.intercept_
        return scores * self.scale_ + self.offset_

    def feature_spans(self, row):
        """The feature columns of one id row, sorted, and the token span ``[start, end)`` of
        each one's first occurrence, where a feature's whole term is credited: arrays
        ``(columns, starts, ends)``."""
        row = self._counted(row)
        known = np.flatnonzero(row > OOV_ID)
        columns, first = np.unique(row[known], return_index=True)
        starts, widths = known[first], np.ones(len(columns), dtype=known.dtype)
        if self.bigram_codes_ is not None:
            _, at, bigrams = _known_bigrams(row[None, :], self.n_ids, self.bigram_codes_)
            # Bigram columns follow the ids' (n_ids + code position): the order stays sorted.
            bigrams, first = np.unique(bigrams, return_index=True)
            columns = np.concatenate([columns, bigrams])
            starts = np.concatenate([starts, at[first]])
            widths = np.concatenate([widths, np.full(len(first), 2, dtype=widths.dtype)])
        return columns, starts, starts + widths


def platt_scaling(margins, Y, sample_weight=None):
    """Per-column scales making ``scale * margin`` logits of ``Y``; the offsets are 0.

    Platt scaling without its offset: each label keeps its SVM's decision boundary, which the
    balanced class weights put where rare labels still get predicted (a fitted offset would
    move a rare label's boundary back towards "never"), while its margins are put on the
    scale of logits. The binary cross-entropy (of rows weighted by ``sample_weight``,
    normalized to a mean of 1) carries an L2 penalty on the scales worth one row, so that a
    label whose margins separate its positives perfectly keeps a finite scale.
    """
    n_samples, n_columns = margins.shape
    weight = _normalized(sample_weight, n_samples)[:, None]

    def loss_and_gradient(scale):
        logits = scale * margins
        loss = (weight * (np.logaddexp(0, logits) - Y * logits)).sum() / n_samples
        loss += (scale @ scale) / (2 * n_samples)
        residual = weight * (expit(logits) - Y) / n_samples
        return loss, (residual * margins).sum(axis=0) + scale / n_samples

    result = minimize(loss_and_gradient, np.ones(n_columns), jac=True, method="L-BFGS-B")
    return result.x, np.zeros(n_columns)


def _varies(Y, sample_weight):
    """Per column of the 0/1 matrix ``Y``: whether its rows of positive weight hold both."""
    weighted = Y[sample_weight > 0]
    return weighted.min(axis=0, initial=1) < weighted.max(axis=0, initial=0)


def _normalized(sample_weight, n_samples):
    """``sample_weight`` (None: all 1) scaled to mean 1, so that a penalty worth one row
    stays worth one row of average weight."""
    if sample_weight is None:
        return np.ones(n_samples)
    return sample_weight / max(sample_weight.mean(), np.finfo(float).tiny)


def _weight(sample_weight):
    """``fit`` keyword for sample weights, left out when all are 1."""
    if np.all(sample_weight == 1):
        return {}
    return {"sample_weight": sample_weight}


def blended_scores(network_scores, linear_scores, weights, bias):
    """``weights[0] * network scores + weights[1] * linear scores + bias``."""
    return weights[0] * network_scores + weights[1] * linear_scores + bias


def proba_of_scores(scores, multiclass):
    """Probabilities of logits (sigmoid), or of scores of a softmax."""
    if multiclass:
        scores = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    # Clipped, so that a threshold of 1 still means "never".
    return np.clip(expit(scores), _EPSILON, 1 - _EPSILON).astype(np.float32)


def fit_blend(network_scores, linear_scores, Y, multiclass, sample_weight=None, linear_alone=None):
    """Weights ``(network, linear)`` and bias minimizing the weighted loss on held-out rows.

    ``network_scores`` are the network's logits (pre-softmax scores for a multiclass target).

    Multiclass targets get one bias per class (softmax cross-entropy); binary and multi-label
    targets one bias shared by all outputs (binary cross-entropy), since a rare label has too
    few held-out positives for a bias of its own: its own shift is left to its threshold. The
    weights carry an L2 penalty worth one held-out row, which keeps them finite when the
    held-out rows are separable (their loss then falls forever as the weights grow). Where
    both weights come out 0, a blend that would predict one class for everything, the two
    models' mean, weights ``(0.5, 0.5)`` and no bias, is returned instead.

    ``linear_alone``, the linear term's weight fitted on its own out-of-sample scores of every
    training row (:func:`linear_alone_weight`), centres the penalty on the linear term alone
    instead: weights ``(0, linear_alone)`` and bias 0, worth ``PRIOR_ROWS`` held-out rows. A
    few held-out rows then move the blend only as far as they can vouch for: on 10 of them
    the network's weight was fitted to noise (and to its own early stopping on those rows), and
    a free bias could outweigh both models' scores, predicting one class everywhere.
    """
    z_network = np.asarray(network_scores, dtype=np.float64)
    n_bias = z_network.shape[1] if multiclass else 1
    if linear_alone is None:
        center, weight_rows, bias_rows = np.zeros(2), 1.0, 0.0
    else:
        center, weight_rows, bias_rows = np.array([0.0, linear_alone]), PRIOR_ROWS, PRIOR_ROWS
    params = _fitted_blend_params(
        z_network, linear_scores, Y, multiclass, sample_weight, center, weight_rows, bias_rows
    )
    weights, bias = params[:2], params[2:]
    if weights.max() < _NO_WEIGHT:
        # Neither model told the held-out rows apart (too few of them, or both models no
        # better than their base rate there): the fitted blend would predict one class for
        # everything. Both models' mean score keeps what each learned on its training rows.
        return np.array([0.5, 0.5]), np.zeros(n_bias)
    return weights, bias


def linear_alone_weight(linear_scores, Y, multiclass, sample_weight=None):
    """The weight of the linear term alone (with its bias, L2 penalty worth one row) on its
    out-of-sample ``linear_scores``: the centre of :func:`fit_blend`'s prior."""
    linear_scores = np.asarray(linear_scores, dtype=np.float64)
    params = _fitted_blend_params(
        np.zeros_like(linear_scores),
        linear_scores,
        Y,
        multiclass,
        sample_weight,
        np.zeros(2),
        1.0,
        0.0,
        linear_only=True,
    )
    return float(params[1])


def _fitted_blend_params(
    z_network,
    linear_scores,
    Y,
    multiclass,
    sample_weight,
    center,
    weight_rows,
    bias_rows,
    linear_only=False,
):
    """``(network weight, linear weight, *bias)`` minimizing the weighted loss plus L2 penalties
    worth ``weight_rows`` rows on the weights' distance to ``center`` and ``bias_rows`` on
    the bias."""
    n_samples, n_outputs = z_network.shape
    n_bias = n_outputs if multiclass else 1
    target = np.eye(n_outputs)[Y] if multiclass else Y.reshape(n_samples, -1)
    row_weight = _normalized(sample_weight, n_samples)[:, None]

    def loss_and_gradient(params):
        logits = params[0] * z_network + params[1] * linear_scores + params[2:]
        if multiclass:
            logits = logits - logits.max(axis=1, keepdims=True)
            log_proba = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
            loss = -(row_weight * target * log_proba).sum() / n_samples
            residual = row_weight * (np.exp(log_proba) - target) / n_samples
        else:
            loss = (row_weight * (np.logaddexp(0, logits) - target * logits)).sum() / n_samples
            residual = row_weight * (expit(logits) - target) / n_samples
        bias = params[2:]
        bias_gradient = residual.sum(axis=0) if multiclass else np.array([residual.sum()])
        offset = params[:2] - center
        loss += (weight_rows * (offset @ offset) + bias_rows * (bias @ bias)) / (2 * n_samples)
        gradient = [(residual * z_network).sum(), (residual * linear_scores).sum()]
        return loss, np.concatenate(
            [
                gradient + weight_rows * offset / n_samples,
                bias_gradient + bias_rows * bias / n_samples,
            ]
        )

    start = np.concatenate([[0.0, 1.0] if linear_only else [1.0, 0.0], np.zeros(n_bias)])
    bounds = [(0, None), (0, None)] + [(None, None)] * n_bias
    if linear_only:
        bounds[0] = (0, 0)
    result = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B", bounds=bounds)
    return result.x
