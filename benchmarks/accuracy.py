"""Accuracy on Reuters-21578 ModApte-90: the default pipeline against TF-IDF + LinearSVC.

Ours: ``make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=seed))`` with every
other parameter at its default (10 epochs). References, fitted in the same process:
TF-IDF (sublinear, 1-2 grams, min_df=2) + OneVsRest(LinearSVC()), the BENCHMARKS.md baseline,
and TF-IDF (sublinear, unigrams) + OneVsRest(LinearSVC(class_weight="balanced")), the strongest
simple baseline. Micro- and macro-F1 (zero_division=0) on the test split, fit and predict
seconds (predict = ``pipeline.predict`` on the raw test texts), and ratios ours / reference.
"""

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/accuracy.py
    import _common as common

REFERENCES = {
    "tfidf_1-2gram_linearsvc": (
        "TF-IDF (sublinear, 1-2 grams, min_df=2) + OvR(LinearSVC())",
        lambda: make_pipeline(
            TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2),
            OneVsRestClassifier(LinearSVC()),
        ),
    ),
    "tfidf_unigram_linearsvc_balanced": (
        'TF-IDF (sublinear, unigrams) + OvR(LinearSVC(class_weight="balanced"))',
        lambda: make_pipeline(
            TfidfVectorizer(sublinear_tf=True),
            OneVsRestClassifier(LinearSVC(class_weight="balanced")),
        ),
    ),
}


def main(argv=None):
    p = common.reuters_parser(__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="random_state of ours")
    args = p.parse_args(argv)

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier

    train, Y_train, test, Y_test, labels = common.reuters_data(args)
    ours_params = common.epoch_params(args)

    results = {}
    # Interleaved: the 1-2 gram reference, then each seed of ours, then the balanced reference.
    jobs = [("tfidf_1-2gram_linearsvc", REFERENCES["tfidf_1-2gram_linearsvc"][1])]
    jobs += [
        (
            f"ours_seed{seed}",
            lambda seed=seed: make_pipeline(
                SequenceVectorizer(), TextCNNClassifier(random_state=seed, **ours_params)
            ),
        )
        for seed in args.seeds
    ]
    jobs.append(
        ("tfidf_unigram_linearsvc_balanced", REFERENCES["tfidf_unigram_linearsvc_balanced"][1])
    )
    for name, make in jobs:
        results[name] = common.evaluate(make(), train, Y_train, test, Y_test)
        print(f"{name}: {results[name]}", flush=True)

    ours = [results[f"ours_seed{seed}"] for seed in args.seeds]
    metrics = ["micro_f1", "macro_f1", "fit_seconds", "predict_seconds"]
    ours_mean = {m: float(np.mean([r[m] for r in ours])) for m in metrics}
    ours_std = {m: float(np.std([r[m] for r in ours])) for m in metrics}
    ratios = {ref: {m: ours_mean[m] / results[ref][m] for m in metrics} for ref in REFERENCES}

    epochs = args.epochs or TextCNNClassifier().epochs
    rows = [
        [f"ours, seed {seed} ({epochs} epochs)"] + [results[f"ours_seed{seed}"][m] for m in metrics]
        for seed in args.seeds
    ]
    if len(args.seeds) > 1:
        rows.append(
            [f"ours, mean ± std over {len(args.seeds)} seeds"]
            + [f"{ours_mean[m]:.3f} ± {ours_std[m]:.3f}" for m in metrics]
        )
    rows += [[label] + [results[ref][m] for m in metrics] for ref, (label, _) in REFERENCES.items()]
    print(
        f"\nReuters ModApte-90: {len(train):,} train / {len(test):,} test docs, "
        f"{len(labels)} labels\n"
    )
    print(common.table(["model", "micro-F1", "macro-F1", "fit s", "predict s"], rows))
    print()
    print(
        common.table(
            ["ours (mean) / reference", "micro-F1", "macro-F1", "fit s", "predict s"],
            [[REFERENCES[ref][0]] + [ratios[ref][m] for m in metrics] for ref in REFERENCES],
        )
    )
    common.write_results(
        "accuracy",
        {
            "config": {
                "n_train": len(train),
                "n_test": len(test),
                "n_labels": len(labels),
                "seeds": args.seeds,
                "epochs": epochs,
                "quick": args.quick,
                "ours": "make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=seed,"
                " **ours_params))",
                "ours_params": ours_params,
            },
            "results": results,
            "ours_mean": ours_mean,
            "ours_std": ours_std,
            "references": {ref: label for ref, (label, _) in REFERENCES.items()},
            "ratios_ours_over_reference": ratios,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
