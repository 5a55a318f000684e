"""Model files that run no code when opened: :func:`save` and :func:`load`, on ``skops.io``.

A pickle (and so a joblib file) can run any code while it is being loaded. A skops file holds
the model's state as data and names each type it needs; :func:`load` builds only the types
that skops trusts by default (Python's, NumPy's, SciPy's and scikit-learn's) and those of
:data:`TRUSTED_TYPES`, and refuses every other file.
"""

import os
from pathlib import Path

import skops.io

from sk_textcnn import classifier
from sk_textcnn._atomic import replaced_on_success
from sk_textcnn._linear import LinearTerm
from sk_textcnn._target_labels import TargetLabelEncoder
from sk_textcnn.ensemble import MultiLabelVotingClassifier
from sk_textcnn.model_selection import MultiLabelStratifiedKFold
from sk_textcnn.thresholds import MultiLabelThresholdClassifier
from sk_textcnn.vectorizer import SequenceVectorizer
from sk_textcnn.word_vectors import WordVectors

__all__ = ["TRUSTED_TYPES", "load", "save"]

#: The types of this package a fitted model may hold, besides those skops trusts by default:
#: the estimators, the linear model and target encoder inside a TextCNNClassifier, and what
#: parameters may be (``embeddings=WordVectors(...)``, ``cv=MultiLabelStratifiedKFold(...)``).
#: Pass it as ``skops_trusted_types`` to ``mlflow.sklearn.log_model``.
TRUSTED_TYPES = [
    f"{kind.__module__}.{kind.__qualname__}"
    for kind in (
        SequenceVectorizer,
        classifier.TextCNNClassifier,
        LinearTerm,
        TargetLabelEncoder,
        MultiLabelThresholdClassifier,
        MultiLabelVotingClassifier,
        MultiLabelStratifiedKFold,
        WordVectors,
    )
]
_ZIP_MAGIC = b"PK\x03\x04"  # a skops file is a zip archive
_PICKLE_MAGIC = b"\x80"  # the PROTO opcode that starts every pickle since protocol 2


def _refused_types(data):
    return sorted(set(skops.io.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))


def save(model, file):
    """Save a fitted model of this package to a skops file that :func:`load` opens.

    The model may be any estimator of the package, or a pipeline (or a dict, list, ...) of
    them and of scikit-learn's own estimators. Predictions of the loaded model are exactly
    those of the saved one. Callbacks (``TextCNNClassifier(callbacks=...)``) are code of
    their own and are not saved: the loaded classifier has ``callbacks=None``.

    Parameters
    ----------
    model : object
        What to save.
    file : str, path-like or binary file object
        Written as given (no suffix is added); ``.skops`` is the usual suffix.

    Raises
    ------
    ValueError
        When the model holds a type that :func:`load` would refuse (a function of yours in a
        ``FunctionTransformer``, an estimator of another package, ...); nothing is written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import sk_textcnn
    >>> vectorizer = sk_textcnn.SequenceVectorizer().fit(["the cat sat", "the dog"])
    >>> path = Path(tempfile.mkdtemp()) / "vectorizer.skops"
    >>> sk_textcnn.save(vectorizer, path)
    >>> sk_textcnn.load(path).transform(["the dog sat"])
    TokenIds([[2, 4, 5]], dtype=int32)
    """
    with classifier._callbacks_left_out():
        data = skops.io.dumps(model)
    refused = _refused_types(data)
    if refused:
        raise ValueError(
            f"model holds types that sk_textcnn.load does not trust: {', '.join(refused)}. "
            "Save it with skops.io.dump and load it with skops.io.load(file, trusted=[...]) "
            "naming them, or pickle it."
        )
    if hasattr(file, "write"):
        file.write(data)
        return
    with replaced_on_success(file) as temporary:
        temporary.write_bytes(data)


def load(file):
    """Load a model saved by :func:`save`, refusing any file that could run code.

    Parameters
    ----------
    file : str, path-like or binary file object
        A skops file.

    Returns
    -------
    model : object
        The saved model.

    Raises
    ------
    ValueError
        When ``file`` is not a skops file (a pickle or joblib file is named as such) or holds
        a type that is neither one skops trusts by default nor one of :data:`TRUSTED_TYPES`;
        nothing in it is run.

    Examples
    --------
    >>> import io
    >>> import sk_textcnn
    >>> file = io.BytesIO()
    >>> sk_textcnn.save(sk_textcnn.SequenceVectorizer().fit(["a cat", "a dog"]), file)
    >>> sk_textcnn.load(io.BytesIO(file.getvalue())).vocabulary_
    {'a': 2, 'cat': 3, 'dog': 4}
    """
    name = getattr(file, "name", "file") if hasattr(file, "read") else os.fspath(file)
    data = file.read() if hasattr(file, "read") else Path(file).read_bytes()
    if not data.startswith(_ZIP_MAGIC):
        if data.startswith(_PICKLE_MAGIC):
            raise ValueError(
                f"{name} is a pickle (or joblib) file, which can run code when loaded; "
                "sk_textcnn.load opens only skops files. If you trust it, load it with "
                "joblib.load and save it again with sk_textcnn.save."
            )
        raise ValueError(f"{name} is not a skops file (it starts with {data[:8]!r}).")
    try:
        refused = _refused_types(data)
    except Exception as error:  # any zip archive can get here: skops' errors vary
        raise ValueError(
            f"{name} is a zip archive but not a skops file ({type(error).__name__}: {error})."
        ) from None
    if refused:
        raise ValueError(
            f"{name} holds types that sk_textcnn.load does not trust: {', '.join(refused)}. "
            "Nothing was loaded; if you trust them, use skops.io.load(file, trusted=[...])."
        )
    try:
        return skops.io.loads(data, trusted=TRUSTED_TYPES)
    except Exception as error:  # a file of trusted types whose state is not a model's
        raise ValueError(
            f"{name} could not be loaded ({type(error).__name__}: {error})."
        ) from error
