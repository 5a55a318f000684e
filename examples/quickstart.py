"""Train the recommended model and two TF-IDF + linear SVM baselines on Reuters-21578 (ModApte,
90 topics, shipped with the package) and print micro/macro-F1 and timings side by side.

The recommended model, ``make_multilabel_ensemble()``, averages the CNN's label probabilities
with a TF-IDF logistic regression's and tunes per-label thresholds out of fold; the CNN alone
(with ``at_least_one_label=True``, as every Reuters document has a topic) is scored from the
same fit. It costs ``cv + 1`` fits of both models: about 20 minutes on 2 cores with ``--cv 5``.

    python examples/quickstart.py [--epochs N] [--cv K]
"""

import argparse
import time
import warnings

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from sk_textcnn import load_reuters, make_multilabel_ensemble


def row(name, model, test, fit_seconds):
    start = time.perf_counter()
    predicted = model.predict(test.data)
    return {
        "model": name,
        "micro-F1": f1_score(test.target, predicted, average="micro", zero_division=0),
        "macro-F1": f1_score(test.target, predicted, average="macro", zero_division=0),
        "fit s": fit_seconds,
        "predict s": time.perf_counter() - start,
    }


def evaluate(name, model, train, test):
    start = time.perf_counter()
    model.fit(train.data, train.target)
    return row(name, model, test, time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="override the CNN's epochs")
    parser.add_argument("--cv", type=int, default=5, help="folds of the threshold tuning")
    args = parser.parse_args()
    train, test = load_reuters(subset="train"), load_reuters(subset="test")
    print(
        f"Reuters-21578 ModApte: {len(train.data)} train, {len(test.data)} test documents, "
        f"{train.target.shape[1]} topics"
    )
    recommended = make_multilabel_ensemble(cv=args.cv, random_state=0)
    if args.epochs is not None:
        recommended.set_params(estimator__cnn__textcnnclassifier__epochs=args.epochs)
    rows = [
        evaluate(
            "TF-IDF + OneVsRest(LinearSVC)",
            make_pipeline(
                TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2),
                OneVsRestClassifier(LinearSVC()),
            ),
            train,
            test,
        ),
        evaluate(
            "TF-IDF + OneVsRest(LinearSVC, balanced)",
            make_pipeline(
                TfidfVectorizer(sublinear_tf=True),
                # max_iter: liblinear's default 1,000 warns on a few rare labels; 5,000
                # converges to the same test scores.
                OneVsRestClassifier(LinearSVC(class_weight="balanced", max_iter=5000)),
            ),
            train,
            test,
        ),
    ]
    with warnings.catch_warnings():
        # The cross-fitting's folds leave out all training documents of the rarest topics
        # (some have one or two); both models warn about each such topic, as they should.
        warnings.filterwarnings("ignore", message=".*(present in|absent from) all training")
        rows.append(evaluate("make_multilabel_ensemble()", recommended, train, test))
    # The CNN member, refitted on all training documents inside the ensemble.
    cnn = recommended.estimator_.named_estimators_["cnn"]
    cnn[-1].set_params(at_least_one_label=True)
    rows.append(row("its CNN alone (at_least_one_label)", cnn, test, float("nan")))
    print(f"\n| {'model':<40} | micro-F1 | macro-F1 | fit s  | predict s |")
    print(f"|{'-' * 42}|----------|----------|--------|-----------|")
    for result in rows:
        print(
            f"| {result['model']:<40} | {result['micro-F1']:8.3f} | {result['macro-F1']:8.3f} | "
            f"{result['fit s']:6.0f} | {result['predict s']:9.2f} |"
        )


if __name__ == "__main__":
    main()
