"""The unified threshold-tuning policy against the old rules of MultiLabelThresholdClassifier.

Reuters-21578 ModApte-90, TF-IDF (sublinear, unigrams) + OneVsRest(LogisticRegression(C=10)),
wrapped in ``MultiLabelThresholdClassifier(random_state=0)``. Rows, each a decision change of the
unified policy: the old defaults (every distinct cut, ``min_positives=1``, one stratified 20%
split) against the new ones (grid 0.05..0.95, ``min_positives=5``); and cross-fitting as
``make_multilabel_ensemble`` does it (``cv=5``, ``min_positives=10``, ``at_least_one_label``)
on the old folds (``KFold(shuffle=True)``, every cut) against the new (stratified folds, grid),
plus each of the two changes alone. Test micro/macro-F1, labels predicted at least once, the
highest share of test documents given a label with at most 2 training positives (a flooded
label shows here), and fit seconds. Reference: the old defaults. ``--n-train`` subsamples the
training split (seeded).
"""

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/tuning_policy.py
    import _common as common

REFERENCE = "old_defaults"


def variants():
    """name -> MultiLabelThresholdClassifier parameters."""
    old_folds = KFold(5, shuffle=True, random_state=0)
    ensemble = dict(min_positives=10, at_least_one_label=True)
    # The old rules moved no threshold towards a shared one (shrinkage came later).
    old = dict(shrinkage=0.0)
    return {
        "old_defaults": dict(candidates=None, min_positives=1, **old),
        "new_defaults": {},
        "old_grid_only": dict(min_positives=1, **old),
        "old_min_positives_only": dict(candidates=None, **old),
        "ensemble_old_kfold_every_cut": dict(cv=old_folds, candidates=None, **ensemble),
        "ensemble_stratified_every_cut": dict(cv=5, candidates=None, **ensemble),
        "ensemble_kfold_grid": dict(cv=old_folds, **ensemble),
        "ensemble_new_stratified_grid": dict(cv=5, **ensemble),
    }


def main(argv=None):
    from sk_textcnn import MultiLabelThresholdClassifier

    p = common.reuters_parser(__doc__.splitlines()[0])
    args = p.parse_args(argv)
    train, Y_train, test, Y_test, _ = common.load_reuters_split()
    n_train = 1500 if args.quick and args.n_train is None else args.n_train
    if n_train:
        keep = np.sort(np.random.RandomState(0).permutation(len(train))[:n_train])
        train, Y_train = [train[i] for i in keep], Y_train[keep]
    if args.n_test:
        test, Y_test = test[: args.n_test], Y_test[: args.n_test]
    seen = Y_train.sum(axis=0) > 0
    Y_train, Y_test = Y_train[:, seen], Y_test[:, seen]
    rare = Y_train.sum(axis=0) <= 2

    def linear():
        return make_pipeline(
            TfidfVectorizer(sublinear_tf=True),
            OneVsRestClassifier(LogisticRegression(C=10, max_iter=1000)),
        )

    records = []
    for name, params in variants().items():
        model = MultiLabelThresholdClassifier(linear(), random_state=0, **params)
        _, seconds = common.timed(model.fit, train, Y_train)
        predicted = model.predict(test)
        records.append(
            dict(
                variant=name,
                micro_f1=f1_score(Y_test, predicted, average="micro", zero_division=0),
                macro_f1=f1_score(Y_test, predicted, average="macro", zero_division=0),
                labels_predicted=int((predicted.sum(axis=0) > 0).sum()),
                worst_rare_label_rate=float(predicted[:, rare].mean(axis=0).max())
                if rare.any()
                else 0.0,
                fit_seconds=seconds,
            )
        )
        print(f"done {name}", flush=True)
    reference = next(r for r in records if r["variant"] == REFERENCE)
    rows = [
        [
            r["variant"],
            r["micro_f1"],
            r["macro_f1"],
            r["labels_predicted"],
            r["worst_rare_label_rate"],
            r["fit_seconds"],
            r["micro_f1"] / reference["micro_f1"],
            r["macro_f1"] / reference["macro_f1"],
        ]
        for r in records
    ]
    print(
        f"\n{len(train)} training / {len(test)} test documents, {Y_train.shape[1]} labels "
        f"({int(rare.sum())} with <= 2 training positives)\n"
    )
    print(
        common.table(
            [
                "variant",
                "micro-F1",
                "macro-F1",
                "labels predicted",
                "worst rate of a <=2-positive label",
                "fit s",
                "micro / old",
                "macro / old",
            ],
            rows,
        )
    )
    common.write_results(
        "tuning_policy", {"n_train": len(train), "n_test": len(test), "rows": records}, args.out
    )


if __name__ == "__main__":
    main()
