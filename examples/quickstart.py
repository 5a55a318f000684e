"""Train the default text CNN and two TF-IDF + linear SVM baselines on Reuters-21578 (ModApte,
90 topics, shipped with the package) and print micro/macro-F1 and timings side by side.

By default the CNN is ``make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=0,
verbose=1))``, which reports each epoch as it trains; the same fit is scored a second time with
``at_least_one_label=True`` (every Reuters document has a topic). The whole run takes about two
minutes on 2 idle cores.

``--recommended`` trains ``make_multilabel_ensemble(random_state=0)`` instead, the costlier
alternative (on Reuters' test split it scored 0.891/0.520 against the defaults' 0.889/0.520 at
seed 0, at 5.5x their fit time): it averages the CNN's label probabilities with a TF-IDF logistic
regression's and tunes per-label thresholds out of fold, and its CNN member is scored alone as
well. It costs ``cv + 1`` fits of both models: about 10 minutes on 2 idle cores with ``--cv 5``
(20 on a busy machine).

    python examples/quickstart.py [--recommended] [--epochs N] [--cv K]
"""

import argparse
import time
import warnings

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

# Seconds on this project's 2-core machine, idle: start-up, data and both baselines; one fit of
# the default CNN (10 epochs) on the training split; and, per fit of the ensemble (it makes
# cv + 1), what it costs besides the CNN's epochs (the linear model, out-of-fold predictions), so
# that the 5-fold ensemble costs about ten CNN fits, as measured.
BASELINES_S = 30
CNN_FIT_S = 65
ENSEMBLE_EXTRA_S = 40


def estimated_minutes(recommended, epochs, cv):
    """A rough running time, scaled from the measurements above."""
    cnn_fit_s = CNN_FIT_S * (epochs or 10) / 10
    fits_s = (cv + 1) * (cnn_fit_s + ENSEMBLE_EXTRA_S) if recommended else cnn_fit_s
    return max(1, round((BASELINES_S + fits_s) / 60))


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
    print(f"Fitting {name} ...", flush=True)
    start = time.perf_counter()
    model.fit(train.data, train.target)
    return row(name, model, test, time.perf_counter() - start)


def baselines():
    return {
        "TF-IDF + OneVsRest(LinearSVC)": make_pipeline(
            TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2),
            OneVsRestClassifier(LinearSVC()),
        ),
        "TF-IDF + OneVsRest(LinearSVC, balanced)": make_pipeline(
            TfidfVectorizer(sublinear_tf=True),
            # max_iter: liblinear's default 1,000 warns on a few rare labels; 5,000 converges to
            # the same test scores.
            OneVsRestClassifier(LinearSVC(class_weight="balanced", max_iter=5000)),
        ),
    }


def score_cnn(cnn, train, test, epochs):
    if epochs is not None:
        cnn.set_params(textcnnclassifier__epochs=epochs)
    rows = [evaluate("SequenceVectorizer() + TextCNNClassifier()", cnn, train, test)]
    # at_least_one_label acts at prediction time: the fitted network is scored again.
    cnn[-1].set_params(at_least_one_label=True)
    rows.append(row("the same fit, at_least_one_label=True", cnn, test, float("nan")))
    return rows


def score_ensemble(ensemble, train, test, epochs):
    if "verbose" in ensemble.get_params(deep=False):
        ensemble.set_params(verbose=1)
    else:  # the ensemble has no progress report of its own: the CNN's epochs show progress
        ensemble.set_params(estimator__cnn__textcnnclassifier__verbose=1)
    if epochs is not None:
        ensemble.set_params(estimator__cnn__textcnnclassifier__epochs=epochs)
    with warnings.catch_warnings():
        # The cross-fitting's folds leave out all training documents of the rarest topics
        # (some have one or two); both models warn about each such topic, as they should.
        warnings.filterwarnings("ignore", message=".*(present in|absent from) all training")
        rows = [evaluate("make_multilabel_ensemble()", ensemble, train, test)]
    # The CNN member, refitted on all training documents inside the ensemble.
    cnn = ensemble.estimator_.named_estimators_["cnn"]
    cnn[-1].set_params(at_least_one_label=True)
    rows.append(row("its CNN alone (at_least_one_label)", cnn, test, float("nan")))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--recommended",
        action="store_true",
        help="train make_multilabel_ensemble() instead of the default CNN (about 10 times slower)",
    )
    parser.add_argument("--epochs", type=int, default=None, help="override the CNN's epochs")
    parser.add_argument(
        "--cv", type=int, default=5, help="folds of the ensemble's threshold tuning (--recommended)"
    )
    args = parser.parse_args()
    model = "make_multilabel_ensemble()" if args.recommended else "the default TextCNNClassifier"
    minutes = estimated_minutes(args.recommended, args.epochs, args.cv)
    print(
        f"Training {model} and two TF-IDF + LinearSVC baselines on Reuters-21578, then printing "
        f"their test scores: about {minutes} minute{'s' * (minutes != 1)} on 2 idle cores.",
        flush=True,
    )
    # sk_textcnn imports TensorFlow, which takes seconds: it is imported once the plan is shown.
    from sk_textcnn import (
        SequenceVectorizer,
        TextCNNClassifier,
        load_reuters,
        make_multilabel_ensemble,
    )

    train, test = load_reuters(subset="train"), load_reuters(subset="test")
    print(
        f"Reuters-21578 ModApte: {len(train.data)} train, {len(test.data)} test documents, "
        f"{train.target.shape[1]} topics",
        flush=True,
    )
    rows = [evaluate(name, baseline, train, test) for name, baseline in baselines().items()]
    if args.recommended:
        ensemble = make_multilabel_ensemble(cv=args.cv, random_state=0)
        rows += score_ensemble(ensemble, train, test, args.epochs)
    else:
        cnn = make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=0, verbose=1))
        rows += score_cnn(cnn, train, test, args.epochs)
    print(f"\n| {'model':<42} | micro-F1 | macro-F1 | fit s  | predict s |")
    print(f"|{'-' * 44}|----------|----------|--------|-----------|")
    for result in rows:
        print(
            f"| {result['model']:<42} | {result['micro-F1']:8.3f} | {result['macro-F1']:8.3f} | "
            f"{result['fit s']:6.0f} | {result['predict s']:9.2f} |"
        )


if __name__ == "__main__":
    main()
