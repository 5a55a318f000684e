"""Multi-label stratified K-fold: ours against the `iterative-stratification` package and KFold.

On the Reuters-21578 ModApte-90 training labels (7,769 x 90) and, with ``--quick``, only a
synthetic indicator matrix (2,000 x 40, label rates falling geometrically from 30%). For each
splitter, k in {2, 5} and seeds 0, 1, 2: the label-distribution error (mean over labels and folds
of |positives in the fold - the label's share|, in positives), the worst such error, the labels
with at least k positives that some fold lacks, the fold size spread, and split seconds (median
over seeds). Reference: ``iterstrat.ml_stratifiers.MultilabelStratifiedKFold(shuffle=True)``.
Needs ``pip install iterative-stratification`` (the ``benchmarks`` extra).
"""

import numpy as np
from sklearn.model_selection import KFold

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/model_selection.py
    import _common as common

REFERENCE = "iterstrat"
SEEDS = (0, 1, 2)


def splitters(k, seed):
    from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

    from sk_textcnn.model_selection import MultiLabelStratifiedKFold

    return {
        "iterstrat": MultilabelStratifiedKFold(n_splits=k, shuffle=True, random_state=seed),
        "ours": MultiLabelStratifiedKFold(k, random_state=seed),
        "kfold": KFold(k, shuffle=True, random_state=seed),
    }


def synthetic(n_samples=2000, n_labels=40, seed=0):
    rng = np.random.RandomState(seed)
    return (rng.rand(n_samples, n_labels) < 0.3 * 0.85 ** np.arange(n_labels)).astype(int)


def balance(Y, folds, k):
    totals = Y.sum(axis=0)
    per_fold = np.array([Y[test].sum(axis=0) for _, test in folds])
    error = np.abs(per_fold - totals * np.array([len(t) for _, t in folds])[:, None] / len(Y))
    missing = ((per_fold == 0).any(axis=0) & (totals >= k)).sum()
    sizes = [len(test) for _, test in folds]
    return error.mean(), error.max(), int(missing), max(sizes) - min(sizes)


def main(argv=None):
    args = common.parser(__doc__.splitlines()[0]).parse_args(argv)
    datasets = {"synthetic": synthetic()}
    if not args.quick:
        datasets["reuters"] = common.load_reuters_split()[1]
    rows, records = [], []
    for data_name, Y in datasets.items():
        for k in (2, 5):
            for name in splitters(k, 0):
                stats, seconds = [], []
                for seed in SEEDS:
                    splitter = splitters(k, seed)[name]
                    folds, elapsed = common.timed(lambda s=splitter, Y=Y: list(s.split(Y, Y)))
                    stats.append(balance(Y, folds, k))
                    seconds.append(elapsed)
                mean_error, worst, missing, spread = np.mean(stats, axis=0)
                record = dict(
                    data=data_name,
                    k=k,
                    splitter=name,
                    mean_error=mean_error,
                    worst_error=worst,
                    labels_missing_from_a_fold=missing,
                    fold_size_spread=spread,
                    seconds=common.median(seconds),
                )
                records.append(record)
        for k in (2, 5):
            group = [r for r in records if r["data"] == data_name and r["k"] == k]
            reference = next(r for r in group if r["splitter"] == REFERENCE)
            for r in group:
                rows.append(
                    [
                        data_name,
                        k,
                        r["splitter"],
                        r["mean_error"],
                        r["worst_error"],
                        r["labels_missing_from_a_fold"],
                        r["fold_size_spread"],
                        r["seconds"],
                        r["seconds"] / reference["seconds"],
                    ]
                )
    print(
        common.table(
            [
                "data",
                "k",
                "splitter",
                "mean label error",
                "worst label error",
                "labels missing from a fold",
                "fold size spread",
                "seconds",
                "seconds / iterstrat",
            ],
            rows,
        )
    )
    common.write_results("model_selection", {"seeds": SEEDS, "rows": records}, args.out)


if __name__ == "__main__":
    main()
