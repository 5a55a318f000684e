"""Small training sets: the default pipeline against two TF-IDF linear models, per size.

SST-2 and TREC training subsets of ``--sizes`` documents, ``--seeds`` subsets each (the seed
draws the subset and is ours' ``random_state``), scored on the test split (``--split test``) or,
for choosing settings, on 20% of the train split held out before subsets are drawn
(``--split validation``). References, fitted on the same subsets: TF-IDF (sublinear, 1-2
grams) + ``LogisticRegression(C=10)`` and + ``LinearSVC()``. A fit is counted constant when it
predicts one class for every scored document.
"""

import json

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

try:
    from benchmarks import _common as common
    from benchmarks import suite
except ImportError:  # run as a file: python benchmarks/learning_curve.py
    import _common as common
    import suite

SIZES = (100, 200, 500, 1000, 2000)
LINEAR = {
    "logreg_c10": lambda: LogisticRegression(C=10, max_iter=1000),
    "linearsvc": LinearSVC,
}


def scored_split(name, split):
    """``(train_texts, y_train, scored_texts, y_scored)``: test, or 20% of train held out."""
    train, y_train, test, y_test, _ = suite.load_set(name, "test")
    if split == "test":
        return train, y_train, test, y_test
    train, held_out, y_train, y_held_out = train_test_split(
        train, y_train, test_size=0.2, random_state=0, stratify=y_train
    )
    return train, y_train, held_out, y_held_out


def subset(texts, y, size, seed):
    """``size`` documents drawn without replacement, with at least two classes."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(texts))[:size]
    return [texts[i] for i in order], y[order]


def run(name, size, seed, data, params):
    from sk_textcnn import SequenceVectorizer, TextCNNClassifier

    train, y_train, scored, y_scored = data
    texts, y = subset(train, y_train, size, seed)
    models = {
        "ours": make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=seed, **params))
    }
    for linear, make in LINEAR.items():
        tfidf = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2))
        models[linear] = make_pipeline(tfidf, make())
    row = {}
    for model_name, model in models.items():
        _, fit_s = common.timed(model.fit, texts, y)
        predicted = model.predict(scored)
        row[model_name] = {
            **suite.scores(y_scored, predicted, multilabel=False),
            "constant": bool(len(np.unique(predicted)) == 1),
            "fit_seconds": fit_s,
        }
    print(f"{name} n={size} seed={seed}: {json.dumps(row)}", flush=True)
    return row


def main(argv=None):
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--sets", nargs="+", choices=["sst2", "trec"], default=["sst2", "trec"])
    p.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--split", choices=["test", "validation"], default="test")
    p.add_argument("--params", default="{}", help="JSON of TextCNNClassifier parameters")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.seeds = [100, 500], [0]
    params = json.loads(args.params)
    results = {}
    for name in args.sets:
        data = scored_split(name, args.split)
        for size in args.sizes:
            results[f"{name}/{size}"] = [run(name, size, seed, data, params) for seed in args.seeds]
    rows = []
    for key, runs in results.items():
        mean = {
            model: {m: float(np.mean([r[model][m] for r in runs])) for m in ("primary", "macro_f1")}
            for model in runs[0]
        }
        best_linear = max(mean[linear]["primary"] for linear in LINEAR)
        rows.append(
            [
                key,
                *(f"{mean[m]['primary']:.3f} / {mean[m]['macro_f1']:.3f}" for m in runs[0]),
                f"{mean['ours']['primary'] - best_linear:+.3f}",
                sum(r["ours"]["constant"] for r in runs),
            ]
        )
    print(
        f"\nAccuracy / macro-F1, mean of seeds {args.seeds}, {args.split} split, params {params}\n"
    )
    print(
        common.table(
            ["set/size", "ours", *LINEAR, "ours - best linear", "constant fits of ours"], rows
        )
    )
    common.write_results(
        "learning_curve",
        {"config": {**vars(args), "out": str(args.out)}, "results": results},
        args.out,
    )


if __name__ == "__main__":
    main()
