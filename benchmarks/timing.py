"""Timing: training speed, latency, vectorizing, the GloVe start and explanations.

Every figure is quoted against a reference measured in the same run, interleaved where the two
can be: the machines are shared and noisy, so compare the ratios, not absolute times.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import _common as common

# The synthetic configuration of BENCHMARKS.md: vocabulary 10,000, length 200 without padding,
# embedding 100, 128 filters of widths 3, 4, 5, 5 sigmoid outputs.
VOCAB, LENGTH, EMB, FILTERS, WIDTHS, OUTPUTS = 10_000, 200, 100, 128, (3, 4, 5), 5
DEFAULT_REFERENCE = common.ROOT.parent / "ref-1e6ec2b"
SPEED_PARTS = ["fits", "synthetic", "profile"]
SPEED_CONFIG = dict(
    epochs=10,
    learning_rate=3e-3,
    batch_size=32,
    early_stopping=False,
    filter_sizes=[3, 4, 5],
    num_filters=128,
    embedding_dim=100,
    ema_momentum=0.99,
)
# Parameters the reference does not have, set for ours to what the reference did: no linear
# term and a 0.5 threshold (their defaults since issue 12 fit an SVM and tune thresholds), and
# a random start of the embedding (the reference's default; ours is "auto", GloVe) with no
# word dropout (ours drops 10% of the tokens in training).
OURS_ONLY = dict(linear_term=False, threshold=0.5, embeddings=None, token_dropout=0.0)
NO_LINEAR = "no_linear.predict_proba([doc])"
EXPLAIN_TARGET_RATIO = 3.0
# The profile's grouped step: this many batches per compiled call.
STEPS_PER_CALL = 8


def forward_flops(length=LENGTH):
    """Forward FLOPs of the synthetic configuration's convolutions per document."""
    return sum(2 * (length - k + 1) * k * EMB * FILTERS for k in WIDTHS)


def synthetic(n_docs, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(2, VOCAB, size=(n_docs, LENGTH), dtype=np.int32)
    Y = (rng.random((n_docs, OUTPUTS)) < 0.3).astype(np.float32)
    Y[0], Y[1] = 0, 1  # every label both present and absent
    return X, Y


def flops_per_token(config):
    """Convolution FLOPs per real token and epoch: forward and the two backward products."""
    return 3 * 2 * sum(config["filter_sizes"]) * config["embedding_dim"] * config["num_filters"]


def speed(args):
    """Reuters fit s against a reference commit (issue 25), on both backends, and share of peak.

    Every measurement runs in its own process, interleaved: for each seed, the numpy GEMM peak,
    the reference's fit (commit 1e6ec2b by default, checked out apart: git worktree add
    ../ref-1e6ec2b 1e6ec2b; --reference PATH), ours on TensorFlow, ours on JAX, and the peak
    again. The configuration is spelled out (SPEED_CONFIG; for ours also OURS_ONLY, what the
    reference did). Reported: Reuters fit seconds on the train split's ids (SequenceVectorizer()
    fitted once and shared), the ratio to the reference at the same seed, test micro/macro-F1,
    and the share of peak on real tokens (real tokens x epochs x flops_per_token / GEMM peak,
    over the measured seconds); the synthetic configuration (training docs/s of partial_fit,
    prediction docs/s of predict_proba) as shares of peak; a profile of ours on each backend,
    the per-epoch seconds of each piece of a step, timed alone on every --stride-th batch of a
    shipped epoch (on TensorFlow also the shipped step's work for STEPS_PER_CALL batches in one
    compiled call). The peak is the best of the run's gemm_peak measurements.

    ``--compute-dtypes float32 bfloat16`` measures ours in each ``compute_dtype``, interleaved
    (bfloat16 fits also report how far its rounding alone moves the test probabilities: the
    same weights in float32); ``--reference none`` leaves the reference out, and the ratios
    are then to the first of ours.
    """
    if args.child is not None:
        return speed_child(*args.child)
    config = dict(SPEED_CONFIG)
    args.reference, args.seeds = args.reference or DEFAULT_REFERENCE, args.seeds or [0]
    with_reference = str(args.reference) != "none"
    if args.quick:
        config["epochs"] = 2
        args.n_train = args.n_train or 1500
        args.synthetic_docs, args.repeats, args.stride = 640, 1, 16
    if with_reference and not (args.reference / "sk_textcnn").is_dir():
        sys.exit(
            f"no reference checkout at {args.reference}: "
            "git worktree add ../ref-1e6ec2b 1e6ec2b (or pass --reference PATH)"
        )
    from sk_textcnn import SequenceVectorizer

    train, Y_train, test, Y_test, _ = common.load_reuters_split()
    train, Y_train = common.subsample(train, Y_train, args.n_train)
    if args.quick:
        test, Y_test = common.subsample(test, Y_test, 500)
    vectorizer = SequenceVectorizer().fit(train)
    X, X_test = vectorizer.transform(train), vectorizer.transform(test)
    real_tokens = int((X != 0).sum())
    X_syn, Y_syn = synthetic(args.synthetic_docs)

    def run(task, checkout, backend, data, params, extra=None, dtype="float32"):
        """A child's result, run with ``checkout``'s sk_textcnn under ``backend``."""
        env = {**os.environ, "KERAS_BACKEND": backend}
        if dtype != "float32":  # the reference has no compute_dtype
            params = {**params, "compute_dtype": dtype}
        values = [task, data, json.dumps(params), json.dumps(extra or {})]
        return common.child(args, "--child", *values, "--checkout", checkout, env=env)

    codes = [("reference", args.reference, "tensorflow", "float32")] if with_reference else []
    codes += [
        ("ours", common.ROOT, backend, dtype)
        for backend in args.backends
        for dtype in args.compute_dtypes
    ]

    def key_of(name, backend, dtype):
        return f"{name} {backend}" + ("" if dtype == "float32" else f" {dtype}")

    peaks, fits, syn, profiles = [], {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        reuters, synth = Path(tmp) / "reuters.npz", Path(tmp) / "synthetic.npz"
        np.savez(reuters, X=X, Y=Y_train, X_test=X_test, Y_test=Y_test)
        np.savez(synth, X=X_syn, Y=Y_syn)
        peaks.append(common.gemm_peak())
        for seed in args.seeds if "fits" in args.parts else []:
            for name, checkout, backend, dtype in codes:
                key = key_of(name, backend, dtype)
                params = speed_params(name, config, seed)
                r = run("fit", checkout, backend, reuters, params, dtype=dtype)
                fits.setdefault(key, {})[seed] = r
                print(
                    f"seed {seed}, {key}: fit {r['fit_seconds']:.1f} s, micro-F1 "
                    f"{r['micro_f1']:.4f}, macro-F1 {r['macro_f1']:.4f}"
                    + (
                        f", rounding moves probabilities by {r['rounding_max_abs_proba']:.4f} "
                        f"at most, {r['rounding_mean_abs_proba']:.5f} on average"
                        if "rounding_max_abs_proba" in r
                        else ""
                    ),
                    flush=True,
                )
            peaks.append(common.gemm_peak())
        for name, checkout, backend, dtype in codes if "synthetic" in args.parts else []:
            key, params = key_of(name, backend, dtype), speed_params(name, config, 0)
            extra = {"repeats": args.repeats}
            syn[key] = run("synthetic", checkout, backend, synth, params, extra, dtype)
            print(f"synthetic, {key}: done", flush=True)
        peaks.append(common.gemm_peak())
        for backend in args.backends if "profile" in args.parts else []:
            params, extra = speed_params("ours", config, 0), {"stride": args.stride}
            try:
                profiles[backend] = run("profile", common.ROOT, backend, reuters, params, extra)
            except SystemExit as failure:  # a profile is a diagnosis: report the rest anyway
                print(failure, flush=True)
                continue
            print(f"profile, {backend}: done", flush=True)
        peaks.append(common.gemm_peak())

    peak = max(p["gflops"] for p in peaks) * 1e9
    ideal_s = real_tokens * config["epochs"] * flops_per_token(config) / peak
    measured = ", ".join(f"{p['gflops']:.0f}" for p in peaks)
    print(
        f"\nGEMM float32 2048x2048 best {peak / 1e9:.0f} GFLOP/s (measured "
        f"{measured}; BLAS {peaks[0]['blas']}). Reuters "
        f"train: {len(X):,} docs, {real_tokens:,} real tokens after truncation to "
        f"{X.shape[1]}; {config['epochs']} epochs x {flops_per_token(config) / 1e6:.2f} MFLOP "
        f"per token: ideal {ideal_s:.1f} s at peak\n"
    )
    name, _, backend, dtype = codes[0]
    reference_key = key_of(name, backend, dtype)
    rows = []
    for key, by_seed in fits.items():
        for seed, r in by_seed.items():
            base = fits[reference_key][seed]
            r["speedup_over_reference"] = base["fit_seconds"] / r["fit_seconds"]
            r["share_of_peak"] = ideal_s / r["fit_seconds"]
            r["micro_f1_minus_reference"] = r["micro_f1"] - base["micro_f1"]
            r["macro_f1_minus_reference"] = r["macro_f1"] - base["macro_f1"]
            f1s = [f"{r[m]:.4f}" for m in ("micro_f1", "macro_f1")]
            diffs = [f"{r[f'{m}_minus_reference']:+.4f}" for m in ("micro_f1", "macro_f1")]
            share = f"{r['share_of_peak']:.1%}"
            rows.append([key, seed, r["fit_seconds"], r["speedup_over_reference"], share])
            rows[-1] += f1s + diffs
    # The base of the ratios: the reference checkout, or with --reference none ours' first.
    headers = f"Reuters fit | seed | fit s | speed-up over {reference_key} | share of peak"
    print(common.table(f"{headers} | micro-F1 | macro-F1 | micro - base | macro - base", rows))

    forward, rows = forward_flops(), []
    for key, r in syn.items():
        base = syn[reference_key]
        row = [key]
        for part, flops in (("train", 3 * forward), ("predict", forward)):
            r[f"{part}_docs_per_s"] = len(X_syn) / common.median(r[f"{part}_seconds"])
            r[f"{part}_share_of_peak"] = r[f"{part}_docs_per_s"] * flops / peak
            ratio = r[f"{part}_docs_per_s"] / base[f"{part}_docs_per_s"]
            row += [r[f"{part}_docs_per_s"], f"{r[f'{part}_share_of_peak']:.1%}", ratio]
        rows.append(row)
    print(f"\nsynthetic: {len(X_syn):,} docs of length 200, median of {args.repeats}\n")
    headers = f"train docs/s | share of peak | ratio to {reference_key}"
    print(common.table(f"synthetic | {headers} | {headers.replace('train', 'predict')}", rows))

    for backend, prof in profiles.items():
        seconds = prof["seconds_per_epoch"]
        conv_ideal = prof["real_tokens"] * flops_per_token(config) / peak
        step = seconds["shipped step (compiled_train_step)"]
        print(
            f"\nprofile, ours on {backend}: seconds per epoch from {prof['batches_timed']} of "
            f"{prof['batches_per_epoch']} batches; the convolutions' ideal at peak is "
            f"{conv_ideal:.2f} s per epoch over real tokens (batches compute "
            f"{prof['computed_positions'] / prof['real_tokens']:.2f}x as many positions)\n"
        )
        rows = [[name, s, f"{s / step:.0%}"] for name, s in seconds.items()]
        print(common.table("piece, timed alone | s / epoch | share of the shipped step", rows))
    run_config = {"n_train": len(X), "n_test": len(X_test), "max_length": X.shape[1]}
    run_config.update(seeds=args.seeds, quick=args.quick, reference=args.reference)
    run_config.update(synthetic_docs=len(X_syn), repeats=args.repeats)
    payload = {"config": {**config, **run_config}, "real_tokens": real_tokens}
    payload.update(flops_per_token=flops_per_token(config), gemm=peaks, peak_gflops=peak / 1e9)
    payload.update(ideal_fit_seconds=ideal_s, fits=fits, synthetic=syn, profiles=profiles)
    common.write_results(args, payload)


def speed_params(name, config, seed):
    """The child's parameters for code ``name`` ("reference" or "ours") at ``seed``."""
    return {**config, **(OURS_ONLY if name == "ours" else {}), "random_state": seed}


def speed_child(task, data_path, params, extra):
    """One speed measurement, with --checkout's sk_textcnn under $KERAS_BACKEND.

    ``fit``: a tiny warm-up fit (TensorFlow's start-up lands in no row), then ``fit`` on X, Y
    timed, and micro/macro-F1 of ``predict`` on X_test, Y_test. ``synthetic``: ``fit(epochs=1)``
    (warm-up), then ``repeats`` times ``partial_fit`` (one epoch of the same loop) and
    ``predict_proba``, timed. ``profile``: see ``profile_task``.
    """
    import keras

    import sk_textcnn
    from sk_textcnn import TextCNNClassifier

    data, params, extra = dict(np.load(data_path)), json.loads(params), json.loads(extra)
    X, Y = data["X"], data["Y"]
    common.ignore_label_warnings()
    if task == "fit":
        TextCNNClassifier(**{**params, "epochs": 1}).fit(X[:64], Y[:64])
        model = TextCNNClassifier(**params)
        _, fit_s = common.timed(model.fit, X, Y)
        Y_pred, predict_s = common.timed(model.predict, data["X_test"])
        result = {"fit_seconds": fit_s, "predict_seconds": predict_s}
        result.update(common.scores(data["Y_test"], Y_pred, multilabel=True))
        result["micro_f1"] = result.pop("primary")
        if params.get("compute_dtype") == "bfloat16":
            # Rounding alone: the same weights computed in float32.
            same_weights = TextCNNClassifier(**{**params, "compute_dtype": "float32"})
            same_weights.initialize(X, Y).model_.set_weights(model.model_.get_weights())
            moved = same_weights.predict_proba(data["X_test"]) - model.predict_proba(data["X_test"])
            result["rounding_max_abs_proba"] = float(np.abs(moved).max())
            result["rounding_mean_abs_proba"] = float(np.abs(moved).mean())
    elif task == "synthetic":
        model = TextCNNClassifier(**{**params, "epochs": 1})
        result = {"first_fit_seconds": common.timed(model.fit, X, Y)[1]}
        model.predict_proba(X)
        train_s, predict_s = [], []
        for _ in range(extra["repeats"]):
            train_s.append(common.timed(model.partial_fit, X, Y)[1])
            predict_s.append(common.timed(model.predict_proba, X)[1])
        result.update(train_seconds=train_s, predict_seconds=predict_s)
    else:
        result = profile_task(data, params, extra["stride"])
    result["sk_textcnn_path"] = sk_textcnn.__file__
    result["keras_backend"] = keras.backend.backend()
    print(json.dumps(result))


def profile_task(data, params, stride):
    """Seconds per epoch of each piece of a training step, from every ``stride``-th batch."""
    import keras

    from sk_textcnn import TextCNNClassifier
    from sk_textcnn._batching import batch_width, left_aligned, length_sorted_batches
    from sk_textcnn._train_step import compiled_train_step
    from sk_textcnn.network import trained_model

    X, Y = data["X"], data["Y"].astype(np.float32)
    # A small fit builds the network: its rows and the document holding the largest id.
    rows = np.r_[np.arange(255), X.max(axis=1).argmax()]
    clf = TextCNNClassifier(**{**params, "epochs": 1}).fit(X[rows], Y[rows])
    model = clf.model_
    X, lengths = left_aligned(X)
    all_batches = length_sorted_batches(lengths, clf.batch_size, np.random.RandomState(0))
    batches = all_batches[::stride]
    scale = len(all_batches) / len(batches)

    def width(batch):
        return batch_width(lengths[batch].max(), X.shape[1], jit_compile=False)

    feed = [(X[b, : width(b)], Y[b], np.ones(len(b), np.float32)) for b in batches]
    backend = keras.backend.backend()
    pieces = _pieces(model, backend)
    trained = trained_model(model)
    pieces["shipped step (compiled_train_step)"] = compiled_train_step(trained, jit_compile=False)
    pieces["keras train_on_batch (the reference's step)"] = lambda x, y, w: trained.train_on_batch(
        x, y, sample_weight=w
    )
    # Every piece runs over the same batches: one per call, or STEPS_PER_CALL per call.
    calls = {name: feed for name in pieces}
    if backend == "tensorflow":
        name = f"{STEPS_PER_CALL} shipped steps per tf.function call"
        pieces[name] = _steps_per_call(trained)
        calls[name] = [(feed[i : i + STEPS_PER_CALL],) for i in range(0, len(feed), STEPS_PER_CALL)]
    seconds = {}
    for name, piece in pieces.items():
        for args in calls[name]:  # warm-up: every trace and compilation
            piece(*args)
        keras.ops.convert_to_numpy(keras.ops.zeros(()))
        start = time.perf_counter()
        for args in calls[name]:
            out = piece(*args)
        _block(out)
        seconds[name] = (time.perf_counter() - start) * scale
    real_tokens = int(lengths.sum())
    positions = sum(len(b) * width(b) for b in all_batches)
    return {
        "seconds_per_epoch": seconds,
        "batches_timed": len(batches),
        "batches_per_epoch": len(all_batches),
        "real_tokens": real_tokens,
        "computed_positions": positions,
    }


def _steps_per_call(model):
    """``run(batches) -> loss``: the shipped TensorFlow step's work for several batches in one
    ``tf.function`` call (issue 25's "several steps per compiled call"), each batch of its own
    width; the optimizer update is XLA-compiled as in the shipped step."""
    import tensorflow as tf

    from sk_textcnn._train_step import padded_rows

    variables, optimizer = model.trainable_variables, model.optimizer

    @tf.function(jit_compile=True)
    def update(grads):
        optimizer.apply(grads, variables)

    def step(x, y, w):
        with tf.GradientTape() as tape:
            loss = model.compute_loss(x, y, model(x, training=True), w, training=True)
        grads = tape.gradient(loss, variables)
        update([padded_rows(g) if isinstance(g, tf.IndexedSlices) else g for g in grads])
        return loss

    traced = {}

    def run(batches):
        # Unrolled: one trace per number of batches (the last group may be shorter).
        if len(batches) not in traced:
            triple = (
                tf.TensorSpec((None, None), tf.int32),
                tf.TensorSpec((None, *batches[0][1].shape[1:]), tf.float32),
                tf.TensorSpec((None,), tf.float32),
            )
            traced[len(batches)] = tf.function(
                lambda *group: [step(*batch) for batch in group][-1],
                input_signature=[triple] * len(batches),
            )
        return traced[len(batches)](*batches)

    return run


def _block(value):
    import keras

    for leaf in keras.tree.flatten(value):
        if leaf is not None and not isinstance(leaf, float):
            keras.ops.convert_to_numpy(leaf)


def _pieces(model, backend):
    """Functions ``(x, y, sample_weight) -> tensors`` each computing one part of a step."""
    import keras

    convolutions = model.get_layer("convolutions")
    embedding = model.get_layer("embedding")
    optimizer = model.optimizer
    variables = model.trainable_variables
    kernels = [v for c in convolutions.convolutions for v in c.trainable_variables]

    def conv_inputs(x):
        mask = keras.ops.not_equal(x, 0)
        embedded = embedding(x) * keras.ops.expand_dims(keras.ops.cast(mask, "float32"), -1)
        return embedded, mask

    def conv_forward(embedded, mask):
        return keras.ops.sum(convolutions([embedded, mask]))

    def network_loss(x, y, w):
        return model.compute_loss(x, y, model(x, training=True), w, training=True)

    if backend == "tensorflow":
        import tensorflow as tf

        def gradients_of(loss_fn, wrt):
            def run(*args):
                with tf.GradientTape() as tape:
                    loss = loss_fn(*args)
                return tape.gradient(loss, wrt())

            return run

        def conv_backward(embedded, mask):
            with tf.GradientTape() as tape:
                tape.watch(embedded)
                loss = conv_forward(embedded, mask)
            return tape.gradient(loss, [embedded, *kernels])

        full_gradients = tf.function(gradients_of(network_loss, lambda: variables))
        conv_in = tf.function(conv_inputs)
        conv_fwd, conv_bwd = tf.function(conv_forward), tf.function(conv_backward)
        forward = tf.function(network_loss)
        zero_grads = [tf.zeros_like(v) for v in variables]

        @tf.function(jit_compile=True)
        def update():
            optimizer.apply(zero_grads, variables)

        plain = keras.optimizers.Adam(learning_rate=float(optimizer.learning_rate.numpy()))
        plain.build(variables)

        @tf.function(jit_compile=True)
        def update_without_average():
            plain.apply(zero_grads, variables)

    else:
        import jax

        trainable = [v.value for v in variables]
        non_trainable = [v.value for v in model.non_trainable_variables]

        def stateless_loss(values, x, y, w):
            y_pred, _ = model.stateless_call(values, non_trainable, x, training=True)
            return model.compute_loss(x, y, y_pred, w, training=True)

        full_values_and_grads = jax.jit(jax.grad(stateless_loss))
        forward_jit = jax.jit(stateless_loss)

        def full_gradients(x, y, w):
            return full_values_and_grads(trainable, x, y, w)

        def forward(x, y, w):
            return forward_jit(trainable, x, y, w)

        conv_in = jax.jit(lambda x: conv_inputs(x))
        conv_fwd = jax.jit(conv_forward)
        conv_bwd = jax.jit(jax.grad(conv_forward))
        zero_grads = [keras.ops.zeros_like(v.value) for v in variables]
        optimizer_values = [v.value for v in optimizer.variables]
        apply = jax.jit(lambda o: optimizer.stateless_apply(o, zero_grads, trainable))

        def update():
            return apply(optimizer_values)

        update_without_average = None

    def on_conv(fn):
        def run(x, y, w):
            return fn(*conv_in(x))

        return run

    pieces = {
        "convolutions forward": on_conv(conv_fwd),
        "convolutions forward + backward": on_conv(conv_bwd),
        "network forward + loss": forward,
        "network forward + backward": full_gradients,
        "optimizer update (Adam + weight average)": lambda x, y, w: update(),
    }
    if update_without_average is not None:
        pieces["optimizer update without the average"] = lambda x, y, w: update_without_average()
    return pieces


def interleaved(paths, rounds, warmup=0):
    """Seconds of each of ``paths[name](i)`` per round ``i`` after ``warmup`` rounds; the paths
    run in turn, the order rotating by round, so that drift in the machine's load hits all."""
    names = list(paths)
    seconds = {name: [] for name in names}
    for i in range(rounds):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed = common.timed(paths[name], i)[1]
            if i >= warmup:
                seconds[name].append(elapsed)
    return seconds


def reuters_pipeline(args, **params):
    """``(pipeline, fit seconds, train size, test texts, Y_test, labels)``: the default pipeline
    (with ``params``) trained --epochs on the Reuters train split (--n-train of it)."""
    from sklearn.pipeline import make_pipeline

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier

    train, Y_train, test, Y_test, labels = common.load_reuters_split()
    train, Y_train = common.subsample(train, Y_train, args.n_train)
    common.ignore_label_warnings()
    model = TextCNNClassifier(epochs=args.epochs, random_state=0, **params)
    pipeline, fit_s = common.timed(make_pipeline(SequenceVectorizer(), model).fit, train, Y_train)
    return pipeline, fit_s, len(train), test, Y_test, labels


def latency(args):
    """one document's predict_proba: the default pipeline against linear_term=False (issue 23).

    Two pipelines are trained briefly (--epochs, 1: latency does not depend on the weights),
    the default one and the same with linear_term=False. Then, after --warmup calls of every
    path, each of --docs Reuters test documents goes through every path in turn (interleaved):
    the two pipelines' predict_proba([doc]); clf.predict_proba(ids) (ids precomputed, full
    width); vectorizer.transform([doc]); and, on the ids cut to the document's length (what ours
    feeds its network), model.predict_on_batch(x), model.predict(x), model(x) and
    tf.function(model)(x). With --reference PATH (a checkout of another commit, e.g. cca5225)
    that checkout's linear_term=False pipeline is timed the same way in a child, right after.
    Reports the median and p99 in milliseconds, and ratios of ours to each reference.
    """
    if args.quick:
        args.docs, args.n_train = 50, args.n_train or 500
    args.docs = args.docs or 200
    no_linear, *_, test, _, _ = reuters_pipeline(args, linear_term=False)
    docs = test[: args.warmup + args.docs]
    paths = {NO_LINEAR: lambda i: no_linear.predict_proba([docs[i]])}
    if args.child is not None:  # the reference's pipeline, timed for the parent
        ms = interleaved(paths, len(docs), args.warmup)[NO_LINEAR]
        return print(json.dumps({"median_ms": 1e3 * common.median(ms)}))
    pipeline, fit_s, n_train, *_ = reuters_pipeline(args)
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
    ms = {k: [1e3 * s for s in v] for k, v in interleaved(paths, len(docs), args.warmup).items()}
    stats = {
        name: {"median_ms": common.median(v), "p99_ms": float(np.percentile(v, 99))}
        for name, v in ms.items()
    }
    names = list(paths)
    ours = stats[names[0]]["median_ms"]
    ratios = {f"ours/{name}": ours / stats[name]["median_ms"] for name in names[1:2] + names[4:]}
    if args.reference is not None:
        options = ["--docs", args.docs, "--warmup", args.warmup, "--epochs", args.epochs]
        options += ["--n-train", args.n_train] if args.n_train is not None else []
        reference = common.child(args, "--child", "--checkout", args.reference, *options)
        stats[f"reference {NO_LINEAR}"] = {"median_ms": reference["median_ms"], "p99_ms": None}
        ratios[f"{NO_LINEAR}/reference"] = stats[NO_LINEAR]["median_ms"] / reference["median_ms"]
    print(
        f"\n{args.docs} Reuters test documents, one at a time, after {args.warmup} warm-up "
        f"calls; pipeline fitted {args.epochs} epoch(s) on {n_train:,} docs in {fit_s:.0f} s\n"
    )
    rows = [[name, s["median_ms"], s["p99_ms"], ours / s["median_ms"]] for name, s in stats.items()]
    print(common.table("path | median ms | p99 ms | ours (pipeline) / this, median", rows))
    print("\n" + "\n".join(f"{name}: {ratio:.2f}" for name, ratio in ratios.items()))
    config = {"docs": args.docs, "warmup": args.warmup, "epochs": args.epochs}
    config.update(n_train=n_train, quick=args.quick, reference=args.reference)
    payload = {"config": config, "stats": stats, "ratios": ratios, "samples_ms": ms}
    common.write_results(args, payload)


def vectorizer(args):
    """SequenceVectorizer.transform docs/s on all Reuters documents against CountVectorizer.

    Every vectorizer is fitted on the train split, then transforms all documents (train +
    test); best of --repeats, the vectorizers interleaved within each repeat. References:
    CountVectorizer() (its default token pattern drops one-character tokens) and CountVectorizer
    with SequenceVectorizer's token pattern, the like-for-like tokenization.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    from sk_textcnn import SequenceVectorizer

    train, _, test, _, _ = common.load_reuters_split()
    if args.quick:
        train, test, args.repeats = train[:2000], test[:1000], 2
    docs = train + test
    vectorizers = {
        "SequenceVectorizer()": SequenceVectorizer(),
        "CountVectorizer()": CountVectorizer(),
        "CountVectorizer(token_pattern as ours)": CountVectorizer(token_pattern=r"(?u)\b\w+\b"),
    }
    fit_s = {name: common.timed(v.fit, train)[1] for name, v in vectorizers.items()}
    seconds = {name: [] for name in vectorizers}
    for _ in range(args.repeats):
        for name, v in vectorizers.items():
            seconds[name].append(common.timed(v.transform, docs)[1])
    rates = {name: len(docs) / min(s) for name, s in seconds.items()}
    ours = rates["SequenceVectorizer()"]
    ratios = {f"ours/{name}": ours / rate for name, rate in rates.items() if rate != ours}
    print(
        f"\ntransform of {len(docs):,} Reuters documents (fitted on {len(train):,}), best of "
        f"{args.repeats}, interleaved\n"
    )
    rows = [[n, rates[n], min(seconds[n]), fit_s[n], ours / rates[n]] for n in vectorizers]
    headers = "vectorizer | transform docs/s | transform s (best) | fit s | ours / this (docs/s)"
    print(common.table(headers, rows))
    config = {"n_fit": len(train), "n_transform": len(docs), "repeats": args.repeats}
    payload = {"config": {**config, "quick": args.quick}, "transform_seconds": seconds}
    payload.update(fit_seconds=fit_s, transform_docs_per_s=rates, ratios=ratios)
    common.write_results(args, payload)


def glove_start(args):
    """the first fit's GloVe start (issue 22): reading the vectors for a vocabulary, in a child.

    For the vocabulary SequenceVectorizer learns on each --sets training split (default SST-2
    and Reuters), a fresh process (TensorFlow already imported, as in a fit) times the first
    glove_vectors(tokens) call, which imports pyarrow, reads the 400,000-word index and the rows
    of the words found from the memory-mapped table, and reports the growth of its resident
    memory; then a second call (index cached).
    """
    from sk_textcnn import SequenceVectorizer

    if args.child is not None:
        from sk_textcnn._glove import glove_vectors

        tokens = json.loads(sys.stdin.read())
        before, _ = common.rss_mb()
        (found, _), first_s = common.timed(glove_vectors, tokens)
        grown = common.rss_mb()[0] - before
        again_s = common.timed(glove_vectors, tokens)[1]
        result = {"tokens": len(tokens), "found": int(found.sum()), "first_s": first_s}
        return print(json.dumps({**result, "again_s": again_s, "rss_growth_mb": grown}))
    results = {}
    for name in args.sets or ["sst2", "reuters"]:
        train = common.load_set(name, "test", n_train=1000 if args.quick else None)[0]
        tokens = list(SequenceVectorizer().fit(train).vocabulary_)
        results[name] = common.child(args, "--child", stdin=json.dumps(tokens))
        print(name, results[name], flush=True)
    headers = "set | vocabulary | with a vector | first call s | again s | RSS growth MB"
    keys = ["tokens", "found", "first_s", "again_s", "rss_growth_mb"]
    print("\n" + common.table(headers, [[n, *(r[k] for k in keys)] for n, r in results.items()]))
    common.write_results(args, {"results": results})


def explain(args):
    """explain(pipeline, docs) on --docs 1,000 Reuters test documents against predict_proba.

    A default pipeline is trained briefly (--epochs, 1: the cost of both paths is the forward
    pass, whatever the weights). Then the documents go, all at once, through each path --repeats
    times (interleaved), after one untimed warm-up call of each: pipeline.predict_proba(docs),
    the reference; explain(pipeline, docs), the predicted labels, 5 n-grams each (the default);
    explain(..., top_k=None), every window; explain(..., labels="all"), all 90 labels. Reports
    the median seconds of each and its ratio to predict_proba (target: <= 3 for the default).
    """
    from sk_textcnn import explain as explain_docs

    if args.quick:
        args.docs, args.repeats, args.n_train = 200, 2, args.n_train or 1500
    args.docs = args.docs or 1000
    pipeline, fit_s, n_train, test, Y_test, labels = reuters_pipeline(args)
    docs, _ = common.subsample(test, Y_test, args.docs)
    paths = {
        "pipeline.predict_proba(docs)": lambda _: pipeline.predict_proba(docs),
        "explain(pipeline, docs)": lambda _: explain_docs(pipeline, docs, label_names=labels),
        "explain(..., top_k=None)": lambda _: explain_docs(
            pipeline, docs, top_k=None, label_names=labels
        ),
        'explain(..., labels="all")': lambda _: explain_docs(
            pipeline, docs, labels="all", label_names=labels
        ),
    }
    names = list(paths)
    for name in names:  # untimed: traces the networks, fills caches
        paths[name](0)
    seconds = interleaved(paths, args.repeats)
    reference = common.median(seconds[names[0]])
    stats = {
        name: {"median_s": common.median(s), "ratio": common.median(s) / reference}
        for name, s in seconds.items()
    }
    explanations = explain_docs(pipeline, docs, top_k=None)
    windows = sum(len(e[label].ngrams) for e in explanations for label in e.labels)
    explained = sum(len(e) for e in explanations)
    print(
        f"\n{len(docs):,} Reuters test documents per call, median of {args.repeats}; pipeline "
        f"fitted {args.epochs} epoch(s) on {n_train:,} docs in {fit_s:.0f} s; "
        f"{explained:,} predicted labels, {windows / max(explained, 1):.0f} windows each\n"
    )
    rows = [[name, s["median_s"], s["ratio"]] for name, s in stats.items()]
    print(common.table("path | median s | this / predict_proba", rows))
    default, target = stats[names[1]]["ratio"], EXPLAIN_TARGET_RATIO
    verdict = "meets" if default <= target else "misses"
    print(f"\nexplain / predict_proba = {default:.2f}: {verdict} the target of {target:g}")
    config = {"docs": len(docs), "repeats": args.repeats, "epochs": args.epochs}
    payload = {"config": {**config, "n_train": n_train, "quick": args.quick}, "stats": stats}
    payload.update(target_ratio=EXPLAIN_TARGET_RATIO, predicted_labels=explained)
    payload.update(windows_per_label=windows / max(explained, 1), samples_s=seconds)
    common.write_results(args, payload)


class StageClock:
    """Exclusive seconds and calls of wrapped functions: a stage called inside another is
    counted in its own row only, so the rows add up to the time they cover."""

    def __init__(self):
        self.seconds, self.calls, self._open = {}, {}, []

    def wrap(self, owner, name, stage):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            self._open.append(0.0)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                inner = self._open.pop()
                self.seconds[stage] = self.seconds.get(stage, 0.0) + elapsed - inner
                self.calls[stage] = self.calls.get(stage, 0) + 1
                if self._open:
                    self._open[-1] += elapsed

        setattr(owner, name, timed)


def fit_stages(args):
    """the default fit by stage, against the balanced LinearSVC's fit (issue 25, item 3).

    make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=0)) on the Reuters train
    split (--n-train of it), with each stage of fit timed exclusively: vectorizer, network
    build (GloVe rows included), held-out split, training steps, the per-epoch validation
    passes, the held-out rows' features after training, the linear term's fit, its refit on all
    rows and its scores, the blend, the thresholds;
    "other" is the rest of fit. The reference, TF-IDF unigrams +
    OvR(LinearSVC(class_weight="balanced")), is fitted on the same rows right before.
    """
    from sklearn.pipeline import make_pipeline

    import sk_textcnn.classifier as classifier_module
    from sk_textcnn import SequenceVectorizer, TextCNNClassifier
    from sk_textcnn._linear import LinearTerm
    from sk_textcnn._training import EpochLoop

    if args.quick:
        args.n_train = args.n_train or 1000
    train, Y_train, *_ = common.load_reuters_split()
    train, Y_train = common.subsample(train, Y_train, args.n_train)
    common.ignore_label_warnings()
    reference = common.linear_pipeline("unigram_linearsvc_balanced", multilabel=True)
    _, reference_s = common.timed(reference.fit, train, Y_train)
    clock = StageClock()
    for owner, name, stage in [
        (SequenceVectorizer, "fit_transform", "vectorizer"),
        (TextCNNClassifier, "_build_network", "network build"),
        (TextCNNClassifier, "_held_out_split", "held-out split"),
        (EpochLoop, "run", "training steps"),
        (EpochLoop, "record_validation", "validation passes (per epoch)"),
        (TextCNNClassifier, "_features_of_ids", "held-out features"),
        (LinearTerm, "fit", "linear term fit"),
        (LinearTerm, "refit", "linear term refit"),
        (LinearTerm, "decision_function", "linear term scores"),
        (classifier_module, "fit_blend", "blend"),
        (TextCNNClassifier, "_tuned_thresholds", "thresholds"),
    ]:
        clock.wrap(owner, name, stage)
    pipeline = make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=0))
    _, fit_s = common.timed(pipeline.fit, train, Y_train)
    stages = dict(clock.seconds)
    stages["other"] = fit_s - sum(stages.values())
    epochs = len(pipeline[-1].history_["loss"])
    print(
        f"\nDefault fit on {len(train):,} Reuters training documents ({epochs} epochs): "
        f"{fit_s:.1f} s, {fit_s / reference_s:.1f}x the balanced LinearSVC's {reference_s:.1f} s\n"
    )
    rows = [
        [stage, clock.calls.get(stage, ""), seconds, seconds / fit_s]
        for stage, seconds in stages.items()
    ]
    print(common.table("stage | calls | s | share of fit", rows))
    payload = {
        "config": {"n_train": len(train), "quick": args.quick, "epochs": epochs},
        "fit_seconds": fit_s,
        "reference_seconds": reference_s,
        "ratio": fit_s / reference_s,
        "stages": stages,
        "calls": clock.calls,
    }
    common.write_results(args, payload)


def options(p):
    p.add_argument("--reference", type=Path, help="speed, latency: checkout of another commit")
    p.add_argument(
        "--n-train", type=int, help="speed, latency, explain, fit-stages: subsample train"
    )
    p.add_argument("--repeats", type=int, default=3, help="speed (synthetic), vectorizer, explain")
    p.add_argument("--epochs", type=int, default=1, help="latency, explain: training epochs")
    p.add_argument("--docs", type=int, help="latency (200), explain (1000): test documents")
    p.add_argument("--warmup", type=int, default=20, help="latency: untimed calls of each path")
    p.add_argument("--seeds", type=int, nargs="+", help="speed: random_state (0)")
    p.add_argument("--backends", nargs="+", default=["tensorflow", "jax"], help="speed: of ours")
    p.add_argument("--synthetic-docs", type=int, default=4000, help="speed")
    p.add_argument(
        "--compute-dtypes",
        nargs="+",
        choices=["float32", "bfloat16"],
        default=["float32"],
        help="speed: compute_dtype of ours",
    )
    p.add_argument("--stride", type=int, default=8, help="speed: profile every n-th batch")
    p.add_argument("--parts", nargs="+", choices=SPEED_PARTS, default=SPEED_PARTS, help="speed")
    p.add_argument("--sets", nargs="+", choices=list(common.SETS), help="glove-start")


# Fastest first, so that a broken setup shows early.
MODES = {
    "vectorizer": vectorizer,
    "glove-start": glove_start,
    "latency": latency,
    "explain": explain,
    "speed": speed,
    "fit-stages": fit_stages,
}

if __name__ == "__main__":
    common.harness("timing", __doc__, MODES, options)
