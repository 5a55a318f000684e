"""The ensemble on Reuters, taken apart: CNN and TF-IDF linear model, cross-fitted thresholds.

``make_multilabel_ensemble(random_state=0)``, which is
``MultiLabelThresholdClassifier(MultiLabelVotingClassifier([cnn, linear]), cv=5,
min_positives=10, at_least_one_label="auto", random_state=0)``, where ``cnn`` is
``make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=0))`` and ``linear`` is
TF-IDF (sublinear, unigrams) + OneVsRest(LogisticRegression(C=100)): per-label F1 thresholds
(labels with at least 10 positives; the others share one, and all move halfway to the one shared
by all labels) are tuned on the out-of-fold averaged probabilities of five fits, then both
members are refitted on all the training documents. (``python -m benchmarks.suite --ensemble``
compares it with the defaults and the linear baselines on Reuters and SemEval.)
One fit of it gives four rows: the ensemble, its refitted blend at a 0.5 threshold,
and each member alone at 0.5; all four with ``at_least_one_label``, and all four carry the
ensemble's fit time. Reference, fitted in the same process on the same features:
TF-IDF (sublinear, unigrams) + OneVsRest(LinearSVC(class_weight="balanced")). Micro- and
macro-F1 (zero_division=0) on the test split, seconds, and ratios row / reference.
"""

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

try:
    from benchmarks import _common as common
    from benchmarks.thresholds import METRICS, REFERENCE, labels_predicted, print_tables
except ImportError:  # run as a file: python benchmarks/ensemble.py
    import _common as common
    from thresholds import METRICS, REFERENCE, labels_predicted, print_tables

LABELS = {
    REFERENCE: 'TF-IDF (sublinear, unigrams) + OvR(LinearSVC(class_weight="balanced"))',
    "recommended": "recommended: thresholds cross-fitted (cv=5) on the CNN + LogReg average",
    "blend": "CNN + LogReg probabilities averaged, threshold 0.5",
    "cnn": "CNN alone (TextCNNClassifier defaults), threshold 0.5",
    "linear": "TF-IDF (sublinear, unigrams) + OvR(LogisticRegression(C=100)), threshold 0.5",
}


class AtLeastOneLabel:
    """``predict`` of a fitted model's probabilities at 0.5, empty rows given their top label."""

    def __init__(self, model):
        self.model = model

    def predict(self, X):
        from sk_textcnn import label_decisions

        proba = np.asarray(self.model.predict_proba(X))
        return label_decisions(proba, 0.5, at_least_one_label=True)


def recommended_model(epoch_params):
    """The ensemble, ``make_multilabel_ensemble(random_state=0)``."""
    from sk_textcnn import make_multilabel_ensemble

    model = make_multilabel_ensemble(random_state=0)
    cnn = "estimator__cnn__textcnnclassifier__"
    return model.set_params(**{cnn + name: value for name, value in epoch_params.items()})


def main(argv=None):
    p = common.reuters_parser(__doc__.splitlines()[0])
    args = p.parse_args(argv)
    train, Y_train, test, Y_test, labels = common.reuters_data(args)
    epoch_params = common.epoch_params(args)
    common.warm_up(train, Y_train)

    results = {}
    reference = make_pipeline(
        TfidfVectorizer(sublinear_tf=True),
        OneVsRestClassifier(LinearSVC(class_weight="balanced")),
    )
    results[REFERENCE] = common.evaluate(
        reference, train, Y_train, test, Y_test, extra=labels_predicted
    )
    print(f"{REFERENCE}: {results[REFERENCE]}", flush=True)
    model = recommended_model(epoch_params)
    results["recommended"] = common.evaluate(
        model, train, Y_train, test, Y_test, extra=labels_predicted
    )
    print(f"recommended: {results['recommended']}", flush=True)
    fit_seconds = results["recommended"]["fit_seconds"]
    blend = model.estimator_
    blend.set_params(at_least_one_label=True)
    parts = {"blend": blend}
    for name, member in blend.named_estimators_.items():
        parts[name] = AtLeastOneLabel(member)
    for name, part in parts.items():
        results[name] = common.evaluate_fitted(
            part, test, Y_test, fit_seconds, extra=labels_predicted
        )
        print(f"{name}: {results[name]}", flush=True)

    order = list(LABELS)
    ratios = common.ratios_over(results, REFERENCE, order, METRICS)
    print(
        f"\nReuters ModApte-90: {len(train):,} train / {len(test):,} test docs, "
        f"{len(labels)} labels; all rows but the reference with at_least_one_label\n"
    )
    print_tables(LABELS, results, ratios, order)
    common.write_results(
        "ensemble",
        {
            "config": {
                **common.reuters_config(train, test, labels, args.epochs, args),
                "recommended": repr(model),
                "epoch_params": epoch_params,
            },
            "models": LABELS,
            "results": results,
            "thresholds": model.thresholds_,
            "reference": REFERENCE,
            "ratios_over_reference": ratios,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
