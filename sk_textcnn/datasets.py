"""Small real datasets bundled with sk-textcnn.

``load_reuters`` returns the Reuters-21578 ModApte split restricted to its 90 topics, the standard
multi-label benchmark for text classifiers. The collection is Reuters-21578, Distribution 1.0
(David D. Lewis). The copyright for the newswire text and the Reuters annotations resides with
Reuters Ltd.; Reuters Ltd. and Carnegie Group, Inc. allow the free distribution of the data for
research purposes only. That licence, not the package's BSD-3-Clause licence, governs the data
file ``sk_textcnn/data/reuters21578_modapte90.jsonl.gz``.
"""

import gzip
import json
from functools import lru_cache
from importlib.resources import files

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_reuters"]

_REUTERS_FILE = "reuters21578_modapte90.jsonl.gz"
_SUBSETS = ("train", "test", "all")

_REUTERS_DESCR = """\
Reuters-21578 ModApte-90 text categorization dataset
----------------------------------------------------

Newswire stories from Reuters in 1987, as collected in Reuters-21578, Distribution 1.0
(David D. Lewis). The copyright for the text and the Reuters annotations resides with
Reuters Ltd.; Reuters Ltd. and Carnegie Group, Inc. allow the free distribution of the data
for research purposes only. Please cite it as "Reuters-21578, Distribution 1.0".

Split: ModApte (LEWISSPLIT="TRAIN" or "TEST" with TOPICS="YES"), keeping the documents that
carry at least one of the 90 topics having at least one training and one test document.

=================   ===========================================
Documents           10,789 (7,770 train, 3,019 test)
Labels              90 topics, 1.24 per document on average
Text                TITLE + newline + BODY (headline only when the body is empty);
                    the 61 unprocessed (TYPE="UNPROC") stories: their raw text
Target              dense uint8 indicator matrix, one column per topic
=================   ===========================================
"""


@lru_cache(maxsize=1)
def _read_reuters():
    """Parse the bundled file once per process.

    Everything returned is immutable (tuples, read-only arrays) because it is shared by every
    call through the cache; ``load_reuters`` hands out copies.
    """
    # importlib.resources rather than __file__ so it also works from a zipped install.
    resource = files("sk_textcnn") / "data" / _REUTERS_FILE
    with resource.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]

    # Columns come from the whole file, not a subset, so train and test targets line up.
    target_names = tuple(sorted({label for record in records for label in record["labels"]}))
    column = {name: j for j, name in enumerate(target_names)}
    target = np.zeros((len(records), len(target_names)), dtype=np.uint8)
    for i, record in enumerate(records):
        # Assignment, not +=: two source documents repeat a topic, which must still read as 1.
        target[i, [column[label] for label in record["labels"]]] = 1

    texts = tuple(record["text"] for record in records)
    ids = np.array([record["id"] for record in records], dtype=np.int64)
    splits = np.array([record["split"] for record in records])
    for array in (target, ids, splits):
        array.flags.writeable = False
    return texts, target, target_names, ids, splits


def load_reuters(*, subset="train", return_X_y=False):
    """Load the Reuters-21578 ModApte-90 multi-label dataset bundled with the package.

    10,789 Reuters newswire stories from 1987 (7,770 train, 3,019 test) tagged with one or
    more of 90 topics. No download is needed: the data ship inside the package. See the
    ``DESCR`` of the returned bunch for provenance and terms of use.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        Which ModApte split to return; "all" is the train documents followed by the test
        documents.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : list of str of length n_documents
            The documents, each the headline, a newline and the body.
        target : ndarray of shape (n_documents, 90), dtype=uint8
            Label indicator matrix: ``target[i, j] == 1`` when document ``i`` has topic
            ``target_names[j]``. Every document has at least one topic.
        target_names : ndarray of shape (90,), dtype=str
            The topic names, sorted; the same for every subset.
        ids : ndarray of shape (n_documents,), dtype=int64
            The original Reuters-21578 ``NEWID`` of each document.
        DESCR : str
            Description of the dataset, its provenance and its terms of use.

    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` list and the ``target`` matrix described above.

    Examples
    --------
    >>> from sk_textcnn.datasets import load_reuters
    >>> train = load_reuters(subset="train")
    >>> len(train.data)
    7770
    >>> train.target.shape
    (7770, 90)
    >>> train.target_names[:3].tolist()
    ['acq', 'alum', 'barley']
    >>> X_test, y_test = load_reuters(subset="test", return_X_y=True)
    >>> len(X_test), y_test.shape
    (3019, (3019, 90))
    """
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be one of {', '.join(map(repr, _SUBSETS))}; got {subset!r}.")
    texts, target, target_names, ids, splits = _read_reuters()
    # The file lists train before test, so a boolean mask keeps that order for "all".
    mask = np.ones(len(texts), dtype=bool) if subset == "all" else splits == subset

    # Fancy indexing copies, so callers get writeable arrays that do not alias the cache.
    data = [text for text, keep in zip(texts, mask, strict=True) if keep]
    target = target[mask]
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        target_names=np.array(target_names),
        ids=ids[mask],
        DESCR=_REUTERS_DESCR,
    )
