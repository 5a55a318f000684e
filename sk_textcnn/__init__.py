"""A Kim-style convolutional text classifier as a scikit-learn estimator."""

from sk_textcnn._quiet_import import import_tensorflow_quietly
from sk_textcnn._worker_threads import limit_worker_threads

import_tensorflow_quietly()
limit_worker_threads()

from sk_textcnn._version import __version__  # noqa: E402
from sk_textcnn.classifier import TextCNNClassifier  # noqa: E402
from sk_textcnn.datasets import load_reuters  # noqa: E402
from sk_textcnn.ensemble import MultiLabelVotingClassifier, make_multilabel_ensemble  # noqa: E402
from sk_textcnn.explanations import Explanation, explain, top_ngrams  # noqa: E402
from sk_textcnn.model_selection import multilabel_train_test_split_indices  # noqa: E402
from sk_textcnn.persistence import load, save  # noqa: E402
from sk_textcnn.thresholds import (  # noqa: E402
    MultiLabelThresholdClassifier,
    label_decisions,
    tune_thresholds,
)
from sk_textcnn.vectorizer import SequenceVectorizer  # noqa: E402
from sk_textcnn.word_vectors import WordVectors, load_word_vectors, save_word_vectors  # noqa: E402

__all__ = [
    "Explanation",
    "MultiLabelThresholdClassifier",
    "MultiLabelVotingClassifier",
    "SequenceVectorizer",
    "TextCNNClassifier",
    "WordVectors",
    "__version__",
    "explain",
    "label_decisions",
    "load",
    "load_reuters",
    "load_word_vectors",
    "make_multilabel_ensemble",
    "multilabel_train_test_split_indices",
    "save",
    "save_word_vectors",
    "top_ngrams",
    "tune_thresholds",
]
