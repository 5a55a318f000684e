"""Decision thresholds on Reuters-21578 ModApte-90: 0.5 against tuned per-label thresholds.

Ours: ``make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=0, ...))`` with every
other parameter at its default (10 epochs), four ways: ``threshold=0.5``; ``threshold="auto"``
(per-label thresholds tuned for F1 on a stratified 10% validation split, which the network then
does not train on, within the guards the classifier's docstring describes); ``threshold="auto"``
with ``positive_weight="balanced"``; and ``num_filters=256``. Linear models, fitted in the same
process on the same features, TF-IDF (sublinear, unigrams): the reference,
OneVsRest(LinearSVC(class_weight="balanced")), the strongest simple baseline; and
OneVsRest(LogisticRegression(C=10)) at 0.5 and wrapped in ``MultiLabelThresholdClassifier``
(validation_fraction=0.2, refit=False, random_state=0) -- LinearSVC has no ``predict_proba``,
and CalibratedClassifierCV around it is too slow. Each of our models and the wrapped logistic
regression is scored a second time with ``at_least_one_label=True``: the same fitted model
predicts again, so those rows repeat the fit time. Micro- and macro-F1 (zero_division=0) on the
test split, fit and predict seconds, the number of labels predicted at least once, and ratios
row / reference. A tiny untimed fit first takes TensorFlow's one-off start-up cost out of the
first row.
"""

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/thresholds.py
    import _common as common

REFERENCE = "tfidf_unigram_linearsvc_balanced"
METRICS = ["micro_f1", "macro_f1", "fit_seconds", "predict_seconds"]


def linear_models():
    """name -> (label, factory) of the TF-IDF models, the reference first."""
    from sk_textcnn import MultiLabelThresholdClassifier

    def logistic():
        return make_pipeline(
            TfidfVectorizer(sublinear_tf=True), OneVsRestClassifier(LogisticRegression(C=10))
        )

    return {
        REFERENCE: (
            'TF-IDF (sublinear, unigrams) + OvR(LinearSVC(class_weight="balanced"))',
            lambda: make_pipeline(
                TfidfVectorizer(sublinear_tf=True),
                OneVsRestClassifier(LinearSVC(class_weight="balanced")),
            ),
        ),
        "tfidf_unigram_logreg_c10": (
            "TF-IDF (sublinear, unigrams) + OvR(LogisticRegression(C=10)), threshold 0.5",
            logistic,
        ),
        "tfidf_unigram_logreg_c10_tuned": (
            "MultiLabelThresholdClassifier(TF-IDF (sublinear, unigrams) + "
            "OvR(LogisticRegression(C=10)))",
            lambda: MultiLabelThresholdClassifier(logistic(), random_state=0),
        ),
    }


OURS = {
    "ours_threshold_0.5": ("ours, threshold=0.5", {}),
    "ours_threshold_auto": ('ours, threshold="auto"', {"threshold": "auto"}),
    "ours_threshold_auto_balanced": (
        'ours, threshold="auto", positive_weight="balanced"',
        {"threshold": "auto", "positive_weight": "balanced"},
    ),
    "ours_num_filters_256": ("ours, num_filters=256", {"num_filters": 256}),
}


# Rows repeated with at_least_one_label=True, predicted again by the same fitted model.
FILLABLE = [*OURS, "tfidf_unigram_logreg_c10_tuned"]


def labels_predicted(pipeline, Y_pred):
    """The number of labels predicted at least once, for ``common.evaluate(extra=...)``."""
    return {"labels_predicted": int((Y_pred.sum(axis=0) > 0).sum())}


def print_tables(labels_of, results, ratios, order):
    """Print the scores of the rows in ``order``, then their ratios to the reference."""
    print(
        common.table(
            ["model", "micro-F1", "macro-F1", "fit s", "predict s", "labels predicted"],
            [
                [labels_of[name]] + [results[name][m] for m in [*METRICS, "labels_predicted"]]
                for name in order
            ],
        )
    )
    print()
    print(
        common.table(
            ["row / balanced LinearSVC", "micro-F1", "macro-F1", "fit s", "predict s"],
            [[labels_of[name]] + [ratios[name][m] for m in METRICS] for name in ratios],
        )
    )


def final_step(model):
    """The classifier of a pipeline, or the model itself."""
    return model[-1] if hasattr(model, "steps") else model


def thresholds_of(pipeline):
    """The per-label thresholds a fitted model applies (None for LinearSVC)."""
    last = final_step(pipeline)
    for attribute in ("threshold_", "thresholds_"):
        if hasattr(last, attribute):
            return getattr(last, attribute)
    return None


def main(argv=None):
    p = common.reuters_parser(__doc__.splitlines()[0])
    args = p.parse_args(argv)

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier

    train, Y_train, test, Y_test, labels = common.reuters_data(args)
    epoch_params = common.epoch_params(args)
    linear = linear_models()
    common.warm_up(train, Y_train)

    # Interleaved: the reference, our variants, then the logistic-regression models.
    jobs = [(REFERENCE, linear[REFERENCE][1])]
    jobs += [
        (
            name,
            lambda params=params: make_pipeline(
                SequenceVectorizer(),
                TextCNNClassifier(random_state=0, **params, **epoch_params),
            ),
        )
        for name, (_, params) in OURS.items()
    ]
    jobs += [(name, make) for name, (_, make) in linear.items() if name != REFERENCE]
    results, thresholds, order = {}, {}, []
    for name, make in jobs:
        model = make()
        results[name] = common.evaluate(model, train, Y_train, test, Y_test, extra=labels_predicted)
        thresholds[name] = thresholds_of(model)
        order.append(name)
        print(f"{name}: {results[name]}", flush=True)
        if name in FILLABLE:
            # The same fitted model, predicting again with empty rows filled.
            filled = f"{name}_at_least_one"
            final_step(model).set_params(at_least_one_label=True)
            results[filled] = common.evaluate_fitted(
                model, test, Y_test, results[name]["fit_seconds"], extra=labels_predicted
            )
            order.append(filled)
            print(f"{filled}: {results[filled]}", flush=True)

    labels_of = {name: label for name, (label, _) in OURS.items()}
    labels_of.update({name: label for name, (label, _) in linear.items()})
    labels_of.update(
        {f"{name}_at_least_one": f"{labels_of[name]}, at_least_one_label=True" for name in FILLABLE}
    )
    ratios = common.ratios_over(results, REFERENCE, order, METRICS)

    epochs = args.epochs or TextCNNClassifier().epochs
    print(
        f"\nReuters ModApte-90: {len(train):,} train / {len(test):,} test docs, "
        f"{len(labels)} labels; ours: {epochs} epochs\n"
    )
    print_tables(labels_of, results, ratios, order)
    common.write_results(
        "thresholds",
        {
            "config": {
                **common.reuters_config(train, test, labels, epochs, args),
                "ours": "make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=0,"
                " **params, **epoch_params))",
                "ours_params": {name: params for name, (_, params) in OURS.items()},
                "epoch_params": epoch_params,
            },
            "models": labels_of,
            "results": results,
            "thresholds": thresholds,
            "reference": REFERENCE,
            "ratios_over_reference": ratios,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
