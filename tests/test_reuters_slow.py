"""End to end on the shipped Reuters data: the default pipeline against the linear baseline."""

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
    scores = {}
    for name, pipeline in {
        "cnn": make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=0)),
        "svm": make_pipeline(
            TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2),
            OneVsRestClassifier(LinearSVC()),
        ),
    }.items():
        predicted = pipeline.fit(train.data, train.target).predict(test.data)
        scores[name] = [
            f1_score(test.target, predicted, average=average, zero_division=0)
            for average in ("micro", "macro")
        ]
    assert scores["cnn"][0] >= scores["svm"][0]
    assert scores["cnn"][1] >= scores["svm"][1]
