"""Training speed on real Reuters documents: length-bucketed batches against the fixed grid.

The ids come from ``SequenceVectorizer(max_length=200)`` (the grid of the plain Keras reference
in BENCHMARKS.md; ``--max-length`` changes it). One TextCNNClassifier is fitted for one epoch
(warm-up: builds, compiles, traces); then, interleaved for ``--epochs`` rounds:

- bucketed (as shipped): ``partial_fit``, one epoch of the shipped loop, which cuts every batch
  of length-sorted pools to its longest document;
- grid: one epoch of the same network fed full-width batches in random order through
  ``model_.train_on_batch``, what a fixed-length model does.

Both train the same weights onward, so each epoch costs the same arithmetic per position.
Prediction is compared the same way: ``predict_proba`` (length-sorted, cut batches) against
``model_.predict_on_batch`` on full-width batches of 512 in the original order, with the max abs
difference of the probabilities (pooling ignores padding, so it should be float rounding only).
"""

import numpy as np

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/real_data_speed.py
    import _common as common

PREDICT_BATCH = 512


def grid_epoch(model, X, Y, batch_size, rng):
    """One epoch over full-width batches in random order; returns the mean loss."""
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start : start + batch_size]
        total += float(model.train_on_batch(X[batch], Y[batch])) * len(batch)
    return total / len(X)


def grid_predict(model, X):
    return np.concatenate(
        [model.predict_on_batch(X[i : i + PREDICT_BATCH]) for i in range(0, len(X), PREDICT_BATCH)]
    )


def cut_predict(model, X, lengths, batch_size):
    """What predict_proba does (length-sorted batches cut to their longest document)."""
    order = np.argsort(lengths, kind="stable")
    outputs = np.empty((len(X), model.output_shape[-1]), dtype=np.float32)
    for start in range(0, len(X), batch_size):
        batch = order[start : start + batch_size]
        outputs[batch] = model.predict_on_batch(X[batch, : max(int(lengths[batch[-1]]), 1)])
    return outputs


def bucketed_positions(lengths, batch_size, rng):
    """Positions (batch size x width) one shipped epoch computes, for the same batch rule."""
    from sk_textcnn._batching import length_sorted_batches

    batches = length_sorted_batches(lengths, batch_size, rng)
    return sum(len(b) * max(int(lengths[b].max()), 1) for b in batches)


def main(argv=None):
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--max-length", type=int, default=200, help="width of the grid")
    p.add_argument("--epochs", type=int, default=2, help="timed epochs of each, interleaved")
    p.add_argument("--n-train", type=int, default=None, help="subsample the train split")
    p.add_argument(
        "--predict-batch-sizes",
        type=int,
        nargs="*",
        default=[32, 64, 128, 256],
        help="batch sizes of emulated cut inference, besides the shipped 512",
    )
    p.add_argument("--predict-repeats", type=int, default=3, help="interleaved, median kept")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.n_train, args.predict_repeats = 1, args.n_train or 1000, 1

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier

    train, Y_train, test, _, _ = common.load_reuters_split()
    train, Y_train = common.subsample(train, Y_train, args.n_train)
    common.ignore_label_warnings()
    if args.quick:
        test = test[:500]
    vectorizer = SequenceVectorizer(max_length=args.max_length).fit(train)
    X, X_test = vectorizer.transform(train), vectorizer.transform(test)
    Y = Y_train.astype(np.float32)
    lengths = (X != 0).sum(axis=1)

    clf = TextCNNClassifier(epochs=1, random_state=0)
    _, first_fit_s = common.timed(clf.fit, X, Y)
    model = clf.model_
    rng = np.random.default_rng(0)
    model.train_on_batch(X[: clf.batch_size], Y[: clf.batch_size])  # trace the full width

    seconds = {"bucketed": [], "grid": []}
    for epoch in range(args.epochs):
        seconds["bucketed"].append(common.timed(clf.partial_fit, X, Y)[1])
        seconds["grid"].append(common.timed(grid_epoch, model, X, Y, clf.batch_size, rng)[1])
        print(
            f"epoch {epoch + 1}/{args.epochs}: "
            + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in seconds.items()),
            flush=True,
        )

    test_lengths = (X_test != 0).sum(axis=1)
    predictors = {"shipped": clf.predict_proba, "grid": lambda X: grid_predict(model, X)}
    for size in args.predict_batch_sizes:
        predictors[f"cut{size}"] = lambda X, size=size: cut_predict(model, X, test_lengths, size)
    for predict in predictors.values():  # warm-up: trace every path
        predict(X_test)
    predict_s = {name: [] for name in predictors}
    probas = {}
    for _ in range(args.predict_repeats):
        for name, predict in predictors.items():
            probas[name], seconds_taken = common.timed(predict, X_test)
            predict_s[name].append(seconds_taken)
    max_diff = {name: float(np.abs(proba - probas["grid"]).max()) for name, proba in probas.items()}

    grid_positions = len(X) * X.shape[1]
    positions = bucketed_positions(lengths, clf.batch_size, np.random.RandomState(0))
    train_rate = {k: len(X) / common.median(v) for k, v in seconds.items()}
    predict_rate = {k: len(X_test) / common.median(v) for k, v in predict_s.items()}
    ratios = {
        "train_bucketed/grid": train_rate["bucketed"] / train_rate["grid"],
        "predict_shipped/grid": predict_rate["shipped"] / predict_rate["grid"],
        **{
            f"predict_{name}/shipped": rate / predict_rate["shipped"]
            for name, rate in predict_rate.items()
            if name.startswith("cut")
        },
    }
    real_share = float(lengths.sum() / grid_positions)
    print(
        f"\nReuters train: {len(X):,} docs, grid width {X.shape[1]}, median "
        f"{np.median(lengths):.0f} / mean {lengths.mean():.0f} real tokens; real tokens fill "
        f"{real_share:.0%} of the grid, bucketed batches compute "
        f"{positions / grid_positions:.0%} of its positions\n"
    )
    print(
        common.table(
            ["training path", "s / epoch (median)", "train docs/s", "ratio to grid"],
            [
                [
                    "bucketed (shipped partial_fit)",
                    common.median(seconds["bucketed"]),
                    train_rate["bucketed"],
                    ratios["train_bucketed/grid"],
                ],
                [
                    "grid (full-width train_on_batch)",
                    common.median(seconds["grid"]),
                    train_rate["grid"],
                    1.0,
                ],
            ],
        )
    )
    labels = {
        "shipped": f"predict_proba (shipped: sorted, cut, batch {PREDICT_BATCH})",
        "grid": f"grid: predict_on_batch, full width, batch {PREDICT_BATCH}",
        **{f"cut{n}": f"sorted, cut, batch {n} (emulated)" for n in args.predict_batch_sizes},
    }
    print(f"\nprediction of {len(X_test):,} test docs, median of {args.predict_repeats}\n")
    print(
        common.table(
            ["prediction path", "s", "docs/s", "ratio to shipped", "max abs diff to grid"],
            [
                [
                    labels[name],
                    common.median(predict_s[name]),
                    predict_rate[name],
                    predict_rate[name] / predict_rate["shipped"],
                    f"{max_diff[name]:.1e}",
                ]
                for name in predictors
            ],
        )
    )
    print(f"\nfirst fit (1 epoch, incl. build and tracing) {first_fit_s:.1f} s")
    common.write_results(
        "real_data_speed",
        {
            "config": {
                "max_length": X.shape[1],
                "n_train": len(X),
                "n_test": len(X_test),
                "epochs": args.epochs,
                "batch_size": clf.batch_size,
                "predict_batch_size": PREDICT_BATCH,
                "predict_repeats": args.predict_repeats,
                "quick": args.quick,
            },
            "figures": {
                "epoch_seconds": seconds,
                "first_fit_seconds": first_fit_s,
                "train_docs_per_s": train_rate,
                "predict_seconds": predict_s,
                "predict_docs_per_s": predict_rate,
                "predict_max_abs_diff_to_grid": max_diff,
                "real_tokens_share_of_grid": real_share,
                "bucketed_positions_share_of_grid": positions / grid_positions,
            },
            "ratios": ratios,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
