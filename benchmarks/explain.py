"""Cost of explanations: ``explain(pipeline, docs)`` against ``pipeline.predict_proba(docs)``.

A default pipeline is trained briefly on Reuters train (``--epochs``, 1 by default: the cost of
both paths is the forward pass, whatever the weights). Then ``--docs`` Reuters test documents go,
all at once, through each path ``--repeats`` times (interleaved, the order rotating by repeat),
after one untimed warm-up call of each:

- ``pipeline.predict_proba(docs)``: the reference;
- ``explain(pipeline, docs)``: the predicted labels, 5 n-grams each (the default);
- ``explain(..., top_k=None)``: the predicted labels, every window;
- ``explain(..., labels="all")``: all 90 labels, 5 n-grams each.

Reports the median seconds of each and its ratio to ``predict_proba`` (target: <= 3 for the
default).
"""

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/explain.py
    import _common as common

TARGET_RATIO = 3.0


def main(argv=None):
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=1000, help="test documents explained")
    p.add_argument("--repeats", type=int, default=3, help="timed calls of each path")
    p.add_argument("--epochs", type=int, default=1, help="training epochs of the pipeline")
    p.add_argument("--n-train", type=int, default=None, help="subsample the train split")
    args = p.parse_args(argv)
    if args.quick:
        args.docs, args.repeats, args.n_train = 200, 2, args.n_train or 1500

    from sklearn.pipeline import make_pipeline

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier, explain

    train, Y_train, test, Y_test, labels = common.load_reuters_split()
    train, Y_train = common.subsample(train, Y_train, args.n_train)
    common.ignore_label_warnings()
    docs, _ = common.subsample(test, Y_test, args.docs)
    pipeline = make_pipeline(
        SequenceVectorizer(), TextCNNClassifier(epochs=args.epochs, random_state=0)
    )
    _, fit_s = common.timed(pipeline.fit, train, Y_train)

    paths = {
        "pipeline.predict_proba(docs)": lambda: pipeline.predict_proba(docs),
        "explain(pipeline, docs)": lambda: explain(pipeline, docs, label_names=labels),
        "explain(..., top_k=None)": lambda: explain(pipeline, docs, top_k=None, label_names=labels),
        'explain(..., labels="all")': lambda: explain(
            pipeline, docs, labels="all", label_names=labels
        ),
    }
    names = list(paths)
    for name in names:  # untimed: traces the networks, fills caches
        paths[name]()
    seconds = {name: [] for name in names}
    for repeat in range(args.repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            seconds[name].append(common.timed(paths[name])[1])

    reference = common.median(seconds[names[0]])
    stats = {
        name: {"median_s": common.median(s), "ratio": common.median(s) / reference}
        for name, s in seconds.items()
    }
    explanations = explain(pipeline, docs, top_k=None)
    windows = sum(len(e[label].ngrams) for e in explanations for label in e.labels)
    explained = sum(len(e) for e in explanations)
    print(
        f"\n{len(docs):,} Reuters test documents per call, median of {args.repeats}; pipeline "
        f"fitted {args.epochs} epoch(s) on {len(train):,} docs in {fit_s:.0f} s; "
        f"{explained:,} predicted labels, {windows / max(explained, 1):.0f} windows each\n"
    )
    print(
        common.table(
            ["path", "median s", "this / predict_proba"],
            [[name, s["median_s"], s["ratio"]] for name, s in stats.items()],
        )
    )
    default = stats[names[1]]["ratio"]
    verdict = "meets" if default <= TARGET_RATIO else "misses"
    print(f"\nexplain / predict_proba = {default:.2f}: {verdict} the target of {TARGET_RATIO:g}")
    common.write_results(
        "explain",
        {
            "config": {
                "docs": len(docs),
                "repeats": args.repeats,
                "epochs": args.epochs,
                "n_train": len(train),
                "quick": args.quick,
            },
            "stats": stats,
            "target_ratio": TARGET_RATIO,
            "predicted_labels": explained,
            "windows_per_label": windows / max(explained, 1),
            "samples_s": seconds,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
