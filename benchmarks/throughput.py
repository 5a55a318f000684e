"""Training and prediction throughput on the fixed synthetic configuration of BENCHMARKS.md.

Vocabulary 10,000, length 200 without padding, embedding 100, 128 filters of widths 3, 4, 5,
5 sigmoid outputs, batch 32. Three models, measured interleaved in one process:

- ours: TextCNNClassifier. A first ``fit(epochs=1)`` builds, compiles and traces the network
  (timed and reported apart); each repeat then times ``partial_fit``, which runs exactly the
  training loop ``fit`` runs (``_train``) for one epoch on the already compiled model, i.e. the
  cost of every epoch of ``fit`` after the first. Prediction: ``predict_proba`` (batches of 512).
- keras: the plain Kim model, Conv1D + GlobalMaxPooling1D, ``model.fit`` / ``model.predict``
  (batch 512 for prediction, as ours).
- seed: the seed design, Conv2D over the embedding reshaped to (200, 100, 1) with (k, 100)
  kernels and max pooling; slow, so it runs on fewer documents.

Docs/s are converted to GFLOP/s (forward = sum_k 2 (200 - k + 1) k 100 128 per document,
training = 3x forward) and divided by numpy's float32 2048 x 2048 GEMM rate (best of 5 in every
repeat, best overall), measured in a fresh process without the machine's OpenBLAS pins (see
``_common.gemm_peak``).
"""

import numpy as np

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/throughput.py
    import _common as common

VOCAB, LENGTH, EMB, FILTERS, WIDTHS, OUTPUTS, BATCH = 10_000, 200, 100, 128, (3, 4, 5), 5, 32


def forward_flops(length=LENGTH):
    return sum(2 * (length - k + 1) * k * EMB * FILTERS for k in WIDTHS)


def keras_kim(seed_design=False):
    import keras

    keras.utils.set_random_seed(0)
    ids = keras.Input(shape=(LENGTH,), dtype="int32")
    embedded = keras.layers.Embedding(VOCAB, EMB)(ids)
    if seed_design:
        image = keras.layers.Reshape((LENGTH, EMB, 1))(embedded)
        pooled = [
            keras.layers.Flatten()(
                keras.layers.MaxPooling2D((LENGTH - k + 1, 1))(
                    keras.layers.Conv2D(FILTERS, (k, EMB), activation="relu")(image)
                )
            )
            for k in WIDTHS
        ]
    else:
        pooled = [
            keras.layers.GlobalMaxPooling1D()(
                keras.layers.Conv1D(FILTERS, k, activation="relu")(embedded)
            )
            for k in WIDTHS
        ]
    features = keras.layers.Dropout(0.5)(keras.layers.Concatenate()(pooled))
    outputs = keras.layers.Dense(OUTPUTS, activation="sigmoid")(features)
    model = keras.Model(ids, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def synthetic(n_docs, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(2, VOCAB, size=(n_docs, LENGTH), dtype=np.int32)
    Y = (rng.random((n_docs, OUTPUTS)) < 0.3).astype(np.float32)
    Y[0], Y[1] = 0, 1  # every label both present and absent
    return X, Y


def main(argv=None):
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=4000, help="documents for ours and keras")
    p.add_argument("--seed-docs", type=int, default=256, help="training documents for seed")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-seed", action="store_true", help="skip the slow Conv2D seed design")
    args = p.parse_args(argv)
    if args.quick:
        args.docs, args.seed_docs, args.repeats = 640, 64, 1

    from sk_textcnn import TextCNNClassifier

    X, Y = synthetic(args.docs)
    n_seed = min(args.seed_docs, args.docs)
    n_seed_predict = min(4 * n_seed, args.docs)
    first_fit = {}

    ours = {
        name: TextCNNClassifier(epochs=1, batch_size=BATCH, random_state=0, jit_compile=jit)
        for name, jit in (("ours", False), ("ours_xla", True))
    }
    for name, model in ours.items():
        _, first_fit[name] = common.timed(model.fit, X, Y)
        model.predict_proba(X)
    keras_model = keras_kim()
    _, first_fit["keras"] = common.timed(
        keras_model.fit, X, Y, batch_size=BATCH, epochs=1, verbose=0
    )
    keras_model.predict(X, batch_size=512, verbose=0)
    models = ["ours", "ours_xla", "keras"]
    if not args.no_seed:
        seed_model = keras_kim(seed_design=True)
        warm = max(n_seed // 4, BATCH)
        seed_model.fit(X[:warm], Y[:warm], batch_size=BATCH, epochs=1, verbose=0)
        seed_model.predict(X[:n_seed_predict], batch_size=512, verbose=0)
        models.append("seed")

    train_s = {m: [] for m in models}
    predict_s = {m: [] for m in models}
    gemm = []
    for repeat in range(args.repeats):
        gemm.append(common.gemm_gflops())
        for name, model in ours.items():
            train_s[name].append(common.timed(model.partial_fit, X, Y)[1])
        train_s["keras"].append(
            common.timed(keras_model.fit, X, Y, batch_size=BATCH, epochs=1, verbose=0)[1]
        )
        if "seed" in models:
            train_s["seed"].append(
                common.timed(seed_model.fit, X[:n_seed], Y[:n_seed], batch_size=BATCH, verbose=0)[1]
            )
        for name, model in ours.items():
            predict_s[name].append(common.timed(model.predict_proba, X)[1])
        predict_s["keras"].append(
            common.timed(keras_model.predict, X, batch_size=512, verbose=0)[1]
        )
        if "seed" in models:
            predict_s["seed"].append(
                common.timed(seed_model.predict, X[:n_seed_predict], batch_size=512, verbose=0)[1]
            )
        print(f"repeat {repeat + 1}/{args.repeats}: GEMM {gemm[-1]:.0f} GFLOP/s", flush=True)

    peak = max(gemm)
    fwd = forward_flops()
    n_train = {"ours": args.docs, "ours_xla": args.docs, "keras": args.docs, "seed": n_seed}
    n_pred = {"ours": args.docs, "ours_xla": args.docs, "keras": args.docs, "seed": n_seed_predict}
    figures = {}
    for m in models:
        train_rate = n_train[m] / common.median(train_s[m])
        predict_rate = n_pred[m] / common.median(predict_s[m])
        figures[m] = {
            "train_docs": n_train[m],
            "predict_docs": n_pred[m],
            "train_seconds": train_s[m],
            "predict_seconds": predict_s[m],
            "train_docs_per_s": train_rate,
            "predict_docs_per_s": predict_rate,
            "train_gflops": train_rate * 3 * fwd / 1e9,
            "predict_gflops": predict_rate * fwd / 1e9,
            "train_share_of_gemm": train_rate * 3 * fwd / 1e9 / peak,
            "predict_share_of_gemm": predict_rate * fwd / 1e9 / peak,
            "first_fit_seconds": first_fit.get(m),
        }
    ratios = {
        f"ours/{m}": {
            "train": figures["ours"]["train_docs_per_s"] / figures[m]["train_docs_per_s"],
            "predict": figures["ours"]["predict_docs_per_s"] / figures[m]["predict_docs_per_s"],
        }
        for m in models[1:]
    }
    ratios["ours_xla/keras"] = {
        k: figures["ours_xla"][f"{k}_docs_per_s"] / figures["keras"][f"{k}_docs_per_s"]
        for k in ("train", "predict")
    }

    names = {
        "ours": "ours: TextCNNClassifier (partial_fit, predict_proba)",
        "ours_xla": "ours: TextCNNClassifier(jit_compile=True)",
        "keras": "keras: Conv1D Kim (fit, predict)",
        "seed": "seed: Conv2D over reshaped embedding",
    }
    print(
        f"\nGEMM float32 2048x2048 (numpy, best): {peak:.0f} GFLOP/s; forward "
        f"{fwd / 1e6:.1f} MFLOP/doc; median of {args.repeats} interleaved repeats\n"
    )
    print(
        common.table(
            [
                "model",
                "train docs/s",
                "train GFLOP/s",
                "share of GEMM",
                "predict docs/s",
                "predict GFLOP/s",
                "share of GEMM",
            ],
            [
                [
                    names[m],
                    f["train_docs_per_s"],
                    f["train_gflops"],
                    f"{f['train_share_of_gemm']:.1%}",
                    f["predict_docs_per_s"],
                    f["predict_gflops"],
                    f"{f['predict_share_of_gemm']:.1%}",
                ]
                for m, f in figures.items()
            ],
        )
    )
    print()
    print(
        common.table(
            ["ratio (docs/s)", "train", "predict"],
            [[name, r["train"], r["predict"]] for name, r in ratios.items()],
        )
    )
    print(
        "\nfirst fit(epochs=1) incl. build and tracing, s: "
        + ", ".join(f"{m} {s:.1f}" for m, s in first_fit.items())
    )
    common.write_results(
        "throughput",
        {
            "config": {
                "vocab": VOCAB,
                "length": LENGTH,
                "embedding_dim": EMB,
                "num_filters": FILTERS,
                "filter_sizes": WIDTHS,
                "outputs": OUTPUTS,
                "batch_size": BATCH,
                "predict_batch_size": 512,
                "repeats": args.repeats,
                "quick": args.quick,
            },
            "forward_flops_per_doc": fwd,
            "gemm_gflops_per_repeat": gemm,
            "gemm_gflops_best": peak,
            "figures": figures,
            "ratios": ratios,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
