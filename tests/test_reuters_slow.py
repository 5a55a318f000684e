"""End to end on the shipped Reuters data: the default pipeline against the linear baseline."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from sk_textcnn import SequenceVectorizer, TextCNNClassifier, load_reuters


@pytest.mark.slow
def test_default_pipeline_beats_tfidf_linear_svc_on_reuters():
    train, test = load_reuters(subset="train"), load_reuters(subset="test")
    pipelines = {
        "cnn": make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=0)),
        "svm": make_pipeline(
            TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2),
            OneVsRestClassifier(LinearSVC()),
        ),
    }
    predicted = {
        name: pipeline.fit(train.data, train.target).predict(test.data)
        for name, pipeline in pipelines.items()
    }
    # The recommended CNN setting for Reuters (the faster alternative to the README's ensemble),
    # on the same fitted network.
    pipelines["cnn"][-1].set_params(at_least_one_label=True)
    predicted["cnn_at_least_one"] = pipelines["cnn"].predict(test.data)
    assert (predicted["cnn_at_least_one"].sum(axis=1) >= 1).all()
    scores = {
        name: np.array(
            [
                f1_score(test.target, Y, average=average, zero_division=0)
                for average in ("micro", "macro")
            ]
        )
        for name, Y in predicted.items()
    }
    assert (scores["cnn"] >= scores["svm"]).all()
    assert (scores["cnn_at_least_one"] > scores["cnn"]).all()
