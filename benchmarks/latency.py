"""Single-document latency: the default pipeline against ``linear_term=False`` and direct Keras.

Two pipelines are trained briefly (``--epochs``, 1 by default: latency does not depend on the
weights), the default one and the same with ``linear_term=False``. Then, after ``--warmup``
calls of every path, each of ``--docs`` Reuters test documents goes through every path in turn
(interleaved, the order rotating by document):

- ``pipeline.predict_proba([doc])``: ours end to end, raw text in, network and linear term;
- ``no_linear.predict_proba([doc])``: the same pipeline with ``linear_term=False``;
- ``clf.predict_proba(ids)``: ours without the vectorizer (ids precomputed, full width);
- ``vectorizer.transform([doc])``: the vectorizer alone;
- references on the ids cut to the document's length (what ours feeds its network):
  ``model.predict_on_batch(x)``, ``model.predict(x, verbose=0)``, ``model(x)`` (eager call),
  and ``tf.function(model)(x)`` (one compiled graph call).

With ``--reference PATH`` (a checkout of another commit, e.g. ``git worktree add
../ref-cca5225 cca5225``), the ``linear_term=False`` pipeline of that checkout is then timed
the same way in a subprocess, right after ours.

Reports the median and p99 in milliseconds, and ratios of ours to each reference.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/latency.py
    import _common as common


NO_LINEAR = "no_linear.predict_proba([doc])"


def main(argv=None):
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=200, help="test documents timed")
    p.add_argument("--warmup", type=int, default=20, help="untimed calls of each path first")
    p.add_argument("--epochs", type=int, default=1, help="training epochs of the pipelines")
    p.add_argument("--n-train", type=int, default=None, help="subsample the train split")
    p.add_argument("--reference", type=Path, default=None, help="checkout to time as well")
    # Used by --reference: time only the linear_term=False pipeline, print its median.
    p.add_argument("--no-linear-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.docs, args.n_train = 50, args.n_train or 500

    from sklearn.pipeline import make_pipeline

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier

    train, Y_train, test, _, _ = common.load_reuters_split()
    train, Y_train = common.subsample(train, Y_train, args.n_train)
    common.ignore_label_warnings()

    def fitted(**params):
        model = TextCNNClassifier(epochs=args.epochs, random_state=0, **params)
        return common.timed(make_pipeline(SequenceVectorizer(), model).fit, train, Y_train)

    docs = test[: args.warmup + args.docs]
    no_linear, _ = fitted(linear_term=False)
    paths = {NO_LINEAR: lambda i: no_linear.predict_proba([docs[i]])}
    if args.no_linear_only:
        ms = time_paths(paths, len(docs), args.warmup)
        print(json.dumps({"median_ms": common.median(ms[NO_LINEAR])}))
        return
    pipeline, fit_s = fitted()
    vectorizer, clf = pipeline[0], pipeline[-1]
    model = clf.model_
    import tensorflow as tf  # after sk_textcnn, which imports it quietly

    compiled = tf.function(model, reduce_retracing=True)
    ids = [vectorizer.transform([doc]) for doc in docs]
    cut = [row[:, : max(int((row != 0).sum()), 1)] for row in ids]
    paths = {
        "pipeline.predict_proba([doc])": lambda i: pipeline.predict_proba([docs[i]]),
        **paths,
        "clf.predict_proba(ids)": lambda i: clf.predict_proba(ids[i]),
        "vectorizer.transform([doc])": lambda i: vectorizer.transform([docs[i]]),
        "model.predict_on_batch(x)": lambda i: model.predict_on_batch(cut[i]),
        "model.predict(x)": lambda i: model.predict(cut[i], verbose=0),
        "model(x)": lambda i: np.asarray(model(cut[i])),
        "tf.function(model)(x)": lambda i: np.asarray(compiled(cut[i])),
    }
    ms = time_paths(paths, len(docs), args.warmup)
    stats = {
        name: {"median_ms": common.median(v), "p99_ms": common.percentile(v, 99)}
        for name, v in ms.items()
    }
    names = list(paths)
    ours = stats[names[0]]["median_ms"]
    ratios = {f"ours/{name}": ours / stats[name]["median_ms"] for name in names[1:2] + names[4:]}
    if args.reference is not None:
        reference_ms = reference_median(args)
        stats[f"reference {NO_LINEAR}"] = {"median_ms": reference_ms, "p99_ms": None}
        ratios[f"{NO_LINEAR}/reference"] = stats[NO_LINEAR]["median_ms"] / reference_ms
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
    print("\n" + "\n".join(f"{name}: {ratio:.2f}" for name, ratio in ratios.items()))
    common.write_results(
        "latency",
        {
            "config": {
                "docs": args.docs,
                "warmup": args.warmup,
                "epochs": args.epochs,
                "n_train": len(train),
                "quick": args.quick,
                "reference": None if args.reference is None else str(args.reference),
            },
            "stats": stats,
            "ratios": ratios,
            "samples_ms": ms,
        },
        args.out,
    )


def time_paths(paths, n_docs, warmup):
    """Milliseconds of each path per document after ``warmup``, paths interleaved."""
    names = list(paths)
    ms = {name: [] for name in names}
    for i in range(n_docs):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            seconds = common.timed(paths[name], i)[1]
            if i >= warmup:
                ms[name].append(1e3 * seconds)
    return ms


def reference_median(args):
    """Median ms of the reference checkout's ``linear_term=False`` pipeline, timed alike."""
    command = [sys.executable, str(Path(__file__).resolve()), "--no-linear-only"]
    command += ["--docs", str(args.docs), "--warmup", str(args.warmup)]
    command += ["--epochs", str(args.epochs)]
    if args.n_train is not None:
        command += ["--n-train", str(args.n_train)]
    environment = {**os.environ, "PYTHONPATH": str(args.reference.resolve())}
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])["median_ms"]


if __name__ == "__main__":
    main()
