"""A Kim-style convolutional text classifier as a scikit-learn estimator."""

from sk_textcnn._quiet_import import import_tensorflow_quietly

import_tensorflow_quietly()

from sk_textcnn._version import __version__  # noqa: E402
from sk_textcnn.classifier import TextCNNClassifier  # noqa: E402
from sk_textcnn.datasets import load_reuters  # noqa: E402
from sk_textcnn.vectorizer import SequenceVectorizer  # noqa: E402

__all__ = ["SequenceVectorizer", "TextCNNClassifier", "load_reuters", "__version__"]
