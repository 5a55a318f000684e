"""Single-document latency: ``pipeline.predict_proba([doc])`` against direct Keras calls.

A default pipeline is trained briefly (``--epochs``, 1 by default: latency does not depend on the
weights). Then, after ``--warmup`` calls of every path, each of ``--docs`` Reuters test documents
goes through every path in turn (interleaved, the order rotating by document):

- ``pipeline.predict_proba([doc])``: ours end to end, raw text in;
- ``clf.predict_proba(ids)``: ours without the vectorizer (ids precomputed, full width);
- ``vectorizer.transform([doc])``: the vectorizer alone;
- references on the ids cut to the document's length (what ours feeds its network):
  ``model.predict_on_batch(x)`` (what ours calls), ``model.predict(x, verbose=0)``,
  ``model(x)`` (eager call), and ``tf.function(model)(x)`` (one compiled graph call).

Reports the median and p99 in milliseconds, and ratios of ours to each reference.
"""

import numpy as np

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/latency.py
    import _common as common


def main(argv=None):
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=200, help="test documents timed")
    p.add_argument("--warmup", type=int, default=20, help="untimed calls of each path first")
    p.add_argument("--epochs", type=int, default=1, help="training epochs of the pipeline")
    p.add_argument("--n-train", type=int, default=None, help="subsample the train split")
    args = p.parse_args(argv)
    if args.quick:
        args.docs, args.n_train = 50, args.n_train or 500

    from sklearn.pipeline import make_pipeline

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier

    train, Y_train, test, _, _ = common.load_reuters_split()
    train, Y_train = common.subsample(train, Y_train, args.n_train)
    common.ignore_label_warnings()
    pipeline = make_pipeline(
        SequenceVectorizer(), TextCNNClassifier(epochs=args.epochs, random_state=0)
    )
    _, fit_s = common.timed(pipeline.fit, train, Y_train)
    vectorizer, clf = pipeline[0], pipeline[-1]
    model = clf.model_
    import tensorflow as tf  # after sk_textcnn, which imports it quietly

    compiled = tf.function(model, reduce_retracing=True)

    docs = test[: args.warmup + args.docs]
    ids = [vectorizer.transform([doc]) for doc in docs]
    cut = [row[:, : max(int((row != 0).sum()), 1)] for row in ids]
    paths = {
        "pipeline.predict_proba([doc])": lambda i: pipeline.predict_proba([docs[i]]),
        "clf.predict_proba(ids)": lambda i: clf.predict_proba(ids[i]),
        "vectorizer.transform([doc])": lambda i: vectorizer.transform([docs[i]]),
        "model.predict_on_batch(x)": lambda i: model.predict_on_batch(cut[i]),
        "model.predict(x)": lambda i: model.predict(cut[i], verbose=0),
        "model(x)": lambda i: np.asarray(model(cut[i])),
        "tf.function(model)(x)": lambda i: np.asarray(compiled(cut[i])),
    }
    names = list(paths)
    ms = {name: [] for name in names}
    for i in range(len(docs)):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            seconds = common.timed(paths[name], i)[1]
            if i >= args.warmup:
                ms[name].append(1e3 * seconds)

    stats = {
        name: {"median_ms": common.median(v), "p99_ms": common.percentile(v, 99)}
        for name, v in ms.items()
    }
    ours = stats[names[0]]["median_ms"]
    references = names[3:]
    ratios = {f"ours/{name}": ours / stats[name]["median_ms"] for name in references}
    print(
        f"\n{args.docs} Reuters test documents, one at a time, after {args.warmup} warm-up "
        f"calls; pipeline fitted {args.epochs} epoch(s) on {len(train):,} docs in "
        f"{fit_s:.0f} s\n"
    )
    print(
        common.table(
            ["path", "median ms", "p99 ms", "ours (pipeline) / this, median"],
            [
                [name, s["median_ms"], s["p99_ms"], ours / s["median_ms"]]
                for name, s in stats.items()
            ],
        )
    )
    common.write_results(
        "latency",
        {
            "config": {
                "docs": args.docs,
                "warmup": args.warmup,
                "epochs": args.epochs,
                "n_train": len(train),
                "quick": args.quick,
            },
            "stats": stats,
            "ratios": ratios,
            "samples_ms": ms,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
