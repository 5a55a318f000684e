"""Scoring more documents than fit in memory on a Dask cluster, partition by partition.

Needs the ``dask`` extra (``pip install "sk-textcnn[dask]"``); Dask is imported when
:func:`score_partitions` is called, not with this module.
"""

import numpy as np
import scipy.sparse as sp

__all__ = ["score_partitions"]

# What the output's columns are worked out from, without computing a partition.
_PLACEHOLDER_DOCUMENT = "placeholder"


def score_partitions(model, documents, *, method="predict_proba"):
    """Apply a fitted model to a Dask bag or series of documents, one partition at a time.

    The model travels to each worker once, not once per partition: with a
    ``distributed.Client`` current it is scattered to every worker (``broadcast=True``) and each
    task on a worker uses that worker's copy; without one (Dask's local schedulers) it is a
    single node of the task graph. Only one partition of documents and its scores are in a
    worker's memory at a time, so the collection may be far larger than memory, e.g. read with
    ``dask.bag.read_text`` or ``dask.dataframe.read_parquet``.

    Parameters
    ----------
    model : estimator
        A fitted model that takes a list of documents, such as
        ``make_pipeline(SequenceVectorizer(), TextCNNClassifier())`` or the model of
        :func:`~sk_textcnn.make_multilabel_ensemble`.
    documents : dask.bag.Bag or dask.dataframe.Series of str
        The documents; for a text column of a Dask dataframe pass ``frame["text"]``.
    method : str, default="predict_proba"
        The model's method to apply: ``"predict_proba"``, ``"predict"``, ...

    Returns
    -------
    scores : dask.bag.Bag, dask.dataframe.DataFrame or dask.dataframe.Series
        Lazy. For a bag: a bag of one result per document (a row of the method's output, or a
        label). For a series: a dataframe with the series' index and one column per column of
        the output (named by ``model.classes_`` where they match), or a series for a 1-D
        output such as ``predict`` of a single-label model. Sparse outputs come back dense.

    Examples
    --------
    >>> import dask.bag
    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sk_textcnn.distributed import score_partitions
    >>> model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(
    ...     ["good film", "great movie", "bad film", "awful movie"], ["pos", "pos", "neg", "neg"]
    ... )
    >>> documents = dask.bag.from_sequence(["a good movie", "a bad film", "great"], npartitions=2)
    >>> score_partitions(model, documents, method="predict").compute()
    ['pos', 'neg', 'pos']
    """
    try:
        import dask
        import dask.bag
        import dask.dataframe
        import pandas as pd
    except ImportError as error:
        raise ImportError('score_partitions needs Dask: pip install "sk-textcnn[dask]".') from error
    if not callable(getattr(model, method, None)):
        raise ValueError(f"model has no method {method!r} to apply to the documents.")
    if isinstance(documents, dask.bag.Bag):
        return documents.map_partitions(_score_bag_partition, _one_copy_per_worker(model), method)
    if isinstance(documents, dask.dataframe.Series):
        meta = _score_series_partition(pd.Series([_PLACEHOLDER_DOCUMENT]), model, method)
        return documents.map_partitions(
            _score_series_partition, _one_copy_per_worker(model), method, meta=meta.iloc[:0]
        )
    raise TypeError(
        "documents must be a dask.bag.Bag or a dask.dataframe.Series of str (for a dataframe, "
        f"pass its text column); got {type(documents).__name__}."
    )


def _one_copy_per_worker(model):
    """The model as a task-graph argument that each worker deserializes once."""
    import dask

    try:
        from distributed import default_client

        client = default_client()
    except (ImportError, ValueError):  # no distributed, or no client: a local scheduler
        return dask.delayed(model, pure=True)
    return client.scatter(model, broadcast=True, hash=False)


def _outputs(model, method, documents):
    outputs = getattr(model, method)(documents)
    return outputs.toarray() if sp.issparse(outputs) else np.asarray(outputs)


def _score_bag_partition(documents, model, method):
    documents = list(documents)
    if not documents:
        return []
    outputs = _outputs(model, method, documents)
    return outputs.tolist() if outputs.ndim == 1 else list(outputs)


def _score_series_partition(documents, model, method):
    import pandas as pd

    if not len(documents):
        empty = _score_series_partition(pd.Series([_PLACEHOLDER_DOCUMENT]), model, method)
        return empty.iloc[:0].set_axis(documents.index)
    outputs = _outputs(model, method, documents.tolist())
    if outputs.ndim == 1:
        return pd.Series(outputs, index=documents.index, name=method)
    classes = getattr(model, "classes_", None)
    columns = list(classes) if classes is not None and len(classes) == outputs.shape[1] else None
    return pd.DataFrame(outputs, index=documents.index, columns=columns)
