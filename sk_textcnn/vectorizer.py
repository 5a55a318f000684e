"""Raw text to padded matrices of integer token ids."""

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import repeat
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils.validation import check_is_fitted

from sk_textcnn._compat import HasMethods, Interval, RealNotInt, StrOptions, _fit_context
from sk_textcnn._ids import FIRST_LEARNED_ID, OOV_ID, OOV_TOKEN, PAD_ID, TokenIds

_TRANSFORM_CHUNK = 10_000


def check_documents(raw_documents, *, name="raw_documents"):
    """Return ``raw_documents`` as a list of str, or raise a clear error.

    A bare string is refused (it would be read as one document per character), and so is any
    item that is not a str, by its position. One column of documents (a one-column DataFrame
    or an array of shape (n, 1)) is read as that column.
    """
    if isinstance(raw_documents, (str, bytes)):
        raise ValueError(
            f"Iterable over raw text documents expected, {type(raw_documents).__name__} object "
            f"received for {name}. Wrap a single document in a list: [document]."
        )
    shape = getattr(raw_documents, "shape", ())
    if len(shape) == 2 and shape[1] == 1 and hasattr(raw_documents, "__array__"):
        # What df[["text"]], a ColumnTransformer given ["text"] and mlflow's pyfunc pass on.
        raw_documents = np.asarray(raw_documents, dtype=object)[:, 0]
    elif getattr(raw_documents, "ndim", 1) != 1:
        raise ValueError(
            f"{name} must be a 1-D collection of str documents or a single column of them, "
            f"got an array with shape {raw_documents.shape}."
        )
    if not isinstance(raw_documents, Iterable):
        raise TypeError(
            f"{name} must be an iterable of str documents, got {type(raw_documents).__name__}."
        )
    documents = list(raw_documents)
    for position, document in enumerate(documents):
        if not isinstance(document, str):
            raise TypeError(
                f"{name}[{position}] is {document!r} of type {type(document).__name__}; "
                "every document must be a str."
            )
    return documents


class SequenceVectorizer(TransformerMixin, BaseEstimator):
    """Turn raw text documents into a padded matrix of integer token ids.

    The front end of a convolutional text classifier: each document becomes one row of token
    ids, in reading order, padded or truncated to a common length. Documents are preprocessed,
    tokenized and stop words removed as the word analyzer of
    :class:`~sklearn.feature_extraction.text.CountVectorizer` does (unigrams), with the same
    parameters. Id ``0`` is padding and id ``1`` stands for any out-of-vocabulary token; learned
    tokens get ids from ``2`` upwards, most frequent first (ties broken alphabetically), so the
    same corpus always gives the same ids. Documents come as any iterable of str, or as one
    column of them (a one-column DataFrame or an array of shape (n_documents, 1)), as
    ``ColumnTransformer([("text", SequenceVectorizer(), ["text"])])`` and mlflow's pyfunc
    pass them on.

    Parameters
    ----------
    lowercase : bool, default=True
        Convert documents to lowercase before tokenizing (unless ``preprocessor`` is given).
    preprocessor : callable, default=None
        Replaces the preprocessing (lowercasing, ``strip_accents``) of each document.
    strip_accents : {"ascii", "unicode"} or callable, default=None
        Remove accents during preprocessing, as in CountVectorizer.
    stop_words : "english", list or None, default=None
        Tokens to drop before ids are given, as in CountVectorizer; "english" is
        scikit-learn's built-in list.
    token_pattern : str, default=r"(?u)\\b\\w+\\b"
        Regular expression matching a token. Unlike CountVectorizer's default it keeps
        one-character tokens (numbers, "a"), which carry order information for a CNN. Ignored
        when ``tokenizer`` is given.
    tokenizer : callable, default=None
        A function mapping a (preprocessed) document to a list, or any iterable, of tokens;
        overrides ``token_pattern``.
    max_features : int, default=None
        Keep only the ``max_features`` most frequent tokens (by count over the corpus).
    min_df : float in [0.0, 1.0] or int, default=1
        Ignore tokens that appear in fewer documents than this; a float is a proportion of
        documents.
    max_length : int, float in (0.0, 1.0] or None, default=0.95
        Length of every output row. An int fixes it; a float ``q`` picks, in ``fit``, the
        shortest length that holds all tokens of a fraction ``q`` of the training documents;
        None uses the longest training document.
    padding : {"post", "pre"}, default="post"
        Put padding after (post) or before (pre) each document's tokens.
    truncating : {"post", "pre"}, default="post"
        Drop tokens from the end (post) or the start (pre) of documents longer than
        ``max_length_``.
    vocabulary : Mapping or iterable of str, default=None
        A fixed vocabulary, for instance the words of a pretrained embedding file. An iterable
        gives ids ``2, 3, ...`` in its order; a mapping gives each token its id, which must be
        distinct integers ``>= 2`` (0 and 1 are reserved). When None, the vocabulary is learned
        in ``fit``.
    extend_vocabulary : bool, default=False
        With a fixed ``vocabulary``, also learn the training tokens it lacks (subject to
        ``min_df`` and ``max_features``) and give them the ids after the fixed ones: the way to
        use pretrained vectors for the words they know and learn the others.
    dtype : dtype, default=np.int32
        Integer type of the output matrix.

    Attributes
    ----------
    vocabulary_ : dict
        Mapping from token to id.
    max_length_ : int
        Number of columns of the matrices ``transform`` returns.
    n_ids_ : int
        One more than the largest id, i.e. the number of rows an embedding table needs.

    See Also
    --------
    TextCNNClassifier : The classifier this vectorizer feeds.
    sklearn.feature_extraction.text.CountVectorizer : Bag-of-words counts.

    Examples
    --------
    >>> from sk_textcnn import SequenceVectorizer
    >>> vectorizer = SequenceVectorizer(max_length=4)
    >>> vectorizer.fit_transform(["the cat sat", "the dog"])
    TokenIds([[2, 3, 5, 0],
              [2, 4, 0, 0]], dtype=int32)
    >>> vectorizer.transform(["the bird sat on the cat"])
    TokenIds([[2, 1, 5, 1]], dtype=int32)
    >>> vectorizer.inverse_transform([[2, 1, 5, 1]])
    [['the', '<oov>', 'sat', '<oov>']]
    """

    _parameter_constraints: dict = {
        "lowercase": ["boolean"],
        "preprocessor": [callable, None],
        "strip_accents": [StrOptions({"ascii", "unicode"}), callable, None],
        "stop_words": [StrOptions({"english"}), list, None],
        "token_pattern": [str],
        "tokenizer": [callable, None],
        "max_features": [Interval(Integral, 1, None, closed="left"), None],
        "min_df": [
            Interval(RealNotInt, 0, 1, closed="both"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_length": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
            None,
        ],
        "padding": [StrOptions({"post", "pre"})],
        "truncating": [StrOptions({"post", "pre"})],
        "vocabulary": [Mapping, HasMethods("__iter__"), None],
        "extend_vocabulary": ["boolean"],
        "dtype": "no_validation",  # delegated to numpy
    }

    def __init__(
        self,
        *,
        lowercase=True,
        preprocessor=None,
        strip_accents=None,
        stop_words=None,
        token_pattern=r"(?u)\b\w+\b",
        tokenizer=None,
        max_features=None,
        min_df=1,
        max_length=0.95,
        padding="post",
        truncating="post",
        vocabulary=None,
        extend_vocabulary=False,
        dtype=np.int32,
    ):
        self.lowercase = lowercase
        self.preprocessor = preprocessor
        self.strip_accents = strip_accents
        self.stop_words = stop_words
        self.token_pattern = token_pattern
        self.tokenizer = tokenizer
        self.max_features = max_features
        self.min_df = min_df
        self.max_length = max_length
        self.padding = padding
        self.truncating = truncating
        self.vocabulary = vocabulary
        self.extend_vocabulary = extend_vocabulary
        self.dtype = dtype

    def _tokenize(self, documents):
        """Yield the list of tokens of each document, as CountVectorizer's word analyzer does.

        A generator, so that ``transform`` turns each token list into ids while it is still
        in cache, rather than collecting every list first.
        """
        if self.tokenizer is None:
            try:
                groups = re.compile(self.token_pattern).groups
            except re.error as error:
                raise ValueError(
                    f"token_pattern={self.token_pattern!r} is not a regular expression: {error}."
                ) from None
            if groups > 1:
                raise ValueError(
                    f"token_pattern={self.token_pattern!r} has {groups} capturing groups; use "
                    "at most one."
                )
        words = CountVectorizer(
            lowercase=self.lowercase,
            preprocessor=self.preprocessor,
            tokenizer=self.tokenizer,
            token_pattern=self.token_pattern,
            strip_accents=self.strip_accents,
            stop_words=self.stop_words,
        )
        words.build_analyzer()  # validates the options, warns on inconsistent stop words
        # The analyzer's own steps, called directly, so that a tokenizer may return any iterable.
        preprocess, tokenize = words.build_preprocessor(), words.build_tokenizer()
        stop_words = words.get_stop_words()
        for position, document in enumerate(documents):
            tokens = tokenize(preprocess(document))
            if type(tokens) is not list:  # a tokenizer may return any iterable, or get it wrong
                tokens = self._as_token_list(tokens, position)
            if stop_words is not None:
                tokens = [token for token in tokens if token not in stop_words]
            yield tokens

    def _as_token_list(self, tokens, position):
        if isinstance(tokens, (str, bytes)) or not isinstance(tokens, Iterable):
            raise TypeError(
                f"tokenizer returned {type(tokens).__name__} for document {position}; it must "
                "return a list (or another iterable) of str tokens."
            )
        return list(tokens)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, raw_documents, y=None):
        """Learn the vocabulary and the row length from the training documents.

        Parameters
        ----------
        raw_documents : iterable of str or array-like of shape (n_documents, 1)
            Training documents.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceVectorizer
            The fitted vectorizer.
        """
        self._fit_tokens(list(self._tokenize(check_documents(raw_documents))))
        return self

    def _fit_tokens(self, token_lists):
        """Learn the vocabulary and the row length from the documents' token lists."""
        if not np.issubdtype(np.dtype(self.dtype), np.integer):
            raise ValueError(f"dtype must be an integer type, got dtype={self.dtype!r}.")
        if self.vocabulary is None:
            tokens = self._frequent_tokens(token_lists)
            if not tokens:
                where = f" in at least min_df={self.min_df} documents" if self.min_df != 1 else ""
                raise ValueError(
                    f"The vocabulary is empty: no token appears{where}. Check the documents and "
                    "token_pattern/tokenizer/stop_words, or lower min_df."
                )
            self.vocabulary_ = {t: i for i, t in enumerate(tokens, start=FIRST_LEARNED_ID)}
        else:
            self.vocabulary_ = self._check_fixed_vocabulary()
            if self.extend_vocabulary:
                tokens = self._frequent_tokens(token_lists, known=self.vocabulary_)
                first = max(self.vocabulary_.values()) + 1
                self.vocabulary_.update({t: i for i, t in enumerate(tokens, start=first)})
        self.n_ids_ = max(self.vocabulary_.values()) + 1
        largest = np.iinfo(np.dtype(self.dtype)).max
        if self.n_ids_ - 1 > largest:
            raise ValueError(
                f"The largest id, {self.n_ids_ - 1}, does not fit dtype={np.dtype(self.dtype)} "
                f"(at most {largest}): give a wider dtype, a smaller vocabulary or "
                "max_features."
            )
        # The token of each id, carried by every matrix transform returns (see TokenIds).
        self._id_tokens = np.full(self.n_ids_, None, dtype=object)
        self._id_tokens[list(self.vocabulary_.values())] = list(self.vocabulary_.keys())
        self.max_length_ = self._learn_max_length([len(tokens) for tokens in token_lists])

    def _frequent_tokens(self, token_lists, known=()):
        """Tokens not in ``known`` that pass min_df and max_features, most frequent first."""
        term_counts = Counter()
        document_counts = Counter()
        for tokens in token_lists:
            term_counts.update(tokens)
            document_counts.update(set(tokens))
        min_documents = (
            self.min_df
            if isinstance(self.min_df, Integral)
            else int(np.ceil(self.min_df * len(token_lists)))
        )
        kept = [
            token
            for token, count in document_counts.items()
            if count >= min_documents and token not in known
        ]
        kept.sort(key=lambda token: (-term_counts[token], token))
        return kept[: self.max_features]

    def _check_fixed_vocabulary(self):
        if isinstance(self.vocabulary, Mapping):
            vocabulary = dict(self.vocabulary)
            ids = list(vocabulary.values())
            if not all(isinstance(i, Integral) and i >= FIRST_LEARNED_ID for i in ids):
                raise ValueError(
                    "vocabulary ids must be integers >= 2: 0 is padding and 1 is out-of-vocabulary."
                )
            if len(set(ids)) != len(ids):
                raise ValueError("vocabulary maps two tokens to the same id.")
        else:
            if isinstance(self.vocabulary, (str, bytes)):  # iterating it gives its characters
                raise ValueError(
                    f"vocabulary must be a mapping or an iterable of tokens, not a string; got "
                    f"{self.vocabulary!r}. Wrap one token in a list: [{self.vocabulary!r}]."
                )
            tokens = list(self.vocabulary)
            vocabulary = {token: i for i, token in enumerate(tokens, start=FIRST_LEARNED_ID)}
            if len(vocabulary) != len(tokens):
                duplicated = next(t for t, n in Counter(tokens).items() if n > 1)
                raise ValueError(f"vocabulary contains the token {duplicated!r} twice.")
        if not vocabulary:
            raise ValueError("The vocabulary is empty: vocabulary must contain tokens.")
        return vocabulary

    def _learn_max_length(self, lengths):
        if isinstance(self.max_length, Integral):
            return int(self.max_length)
        longest = max(max(lengths, default=0), 1)
        if self.max_length is None:
            return longest
        # The smallest length that fully holds a fraction max_length of the documents.
        covering = int(np.quantile(lengths, self.max_length, method="inverted_cdf"))
        return min(max(covering, 1), longest)

    def transform(self, raw_documents):
        """Map documents to a padded matrix of token ids.

        Parameters
        ----------
        raw_documents : iterable of str or array-like of shape (n_documents, 1)
            Documents to encode.

        Returns
        -------
        ids : TokenIds of shape (n_documents, max_length_)
            Token ids; 0 is padding and 1 an out-of-vocabulary token. An ndarray that also
            carries the token of each id, which lets :class:`TextCNNClassifier` start its
            embedding from pretrained word vectors.
        """
        check_is_fitted(self)
        documents = check_documents(raw_documents)
        matrix = np.zeros((len(documents), self.max_length_), dtype=self.dtype)
        # In chunks, so the intermediate token lists stay small for any number of documents.
        for start in range(0, len(documents), _TRANSFORM_CHUNK):
            chunk = documents[start : start + _TRANSFORM_CHUNK]
            self._fill(matrix[start : start + _TRANSFORM_CHUNK], self._tokenize(chunk))
        return TokenIds(matrix, self._id_tokens)

    def _fill(self, matrix, token_lists):
        """Write the padded ids of the documents' ``token_lists`` into the zeroed ``matrix``."""
        width = self.max_length_
        lookup = self.vocabulary_.get
        ids = []
        lengths = np.empty(len(matrix), dtype=np.intp)
        for row, tokens in enumerate(token_lists):
            if len(tokens) > width:
                tokens = tokens[:width] if self.truncating == "post" else tokens[-width:]
            ids.extend(map(lookup, tokens, repeat(OOV_ID)))
            lengths[row] = len(tokens)
        rows = np.repeat(np.arange(len(matrix)), lengths)
        # position of each token within its document
        columns = np.arange(len(ids)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        if self.padding == "pre":
            columns += np.repeat(width - lengths, lengths)
        matrix[rows, columns] = ids

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, raw_documents, y=None):
        """Learn the vocabulary and return the id matrix of ``raw_documents``, tokenizing once.

        Parameters
        ----------
        raw_documents : iterable of str or array-like of shape (n_documents, 1)
            Training documents.
        y : None
            Ignored.

        Returns
        -------
        ids : TokenIds of shape (n_documents, max_length_)
            Token ids, carrying the token of each id as ``transform``'s do.
        """
        token_lists = list(self._tokenize(check_documents(raw_documents)))
        self._fit_tokens(token_lists)
        matrix = np.zeros((len(token_lists), self.max_length_), dtype=self.dtype)
        self._fill(matrix, token_lists)
        return TokenIds(matrix, self._id_tokens)

    def inverse_transform(self, X):
        """Map id matrices back to token lists.

        Padding is dropped and out-of-vocabulary ids are shown as ``"<oov>"``.

        Parameters
        ----------
        X : array-like of shape (n_documents, n_positions)
            Token ids.

        Returns
        -------
        tokens : list of list of str
            The tokens of each document.
        """
        check_is_fitted(self)
        X = np.asarray(X)
        if X.ndim != 2 or not np.issubdtype(X.dtype, np.integer) or X.min(initial=0) < 0:
            raise ValueError(
                f"X must be a 2-D array of non-negative integer ids, got shape {X.shape} "
                f"({X.dtype})."
            )
        # One row past the vocabulary stands for every id beyond it: no table sized by X.max().
        id_to_token = np.full(self.n_ids_ + 1, OOV_TOKEN, object)
        known = self._id_tokens != None  # noqa: E711 (elementwise)
        id_to_token[: self.n_ids_][known] = self._id_tokens[known]
        return [id_to_token[np.minimum(row[row != PAD_ID], self.n_ids_)].tolist() for row in X]

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: the token positions.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``["position_0", "position_1", ...]``.
        """
        check_is_fitted(self)
        return np.asarray([f"position_{i}" for i in range(self.max_length_)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
