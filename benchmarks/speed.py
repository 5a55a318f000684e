"""Training speed against the hardware and against a reference commit, on both Keras backends.

Every measurement runs in its own process (``_speed_worker.py``), interleaved: for each seed,
the numpy GEMM peak, the reference's ``fit`` (commit 1e6ec2b by default, checked out apart:
``git worktree add ../ref-1e6ec2b 1e6ec2b``; ``--reference PATH``), ours on TensorFlow, ours on
JAX, and the peak again. The configuration is spelled out, not taken from the defaults:
``epochs=10, learning_rate=3e-3, batch_size=32, early_stopping=False, filter_sizes=(3, 4, 5),
num_filters=128, embedding_dim=100, ema_momentum=0.99``, and for ours ``linear_term=False,
threshold=0.5`` (what the reference did; not its defaults since issue 12). Reported:

- Reuters ``fit`` seconds on the train split's ids (``SequenceVectorizer()`` defaults, fitted
  once and shared), the ratio to the reference at the same seed, test micro/macro-F1, and the
  share of peak on real tokens: real tokens after truncation x epochs x 3 x 2 x sum(widths) x
  embedding x filters / GEMM peak, over the measured seconds;
- the synthetic configuration of ``throughput.py`` (length 200, no padding): training docs/s of
  ``partial_fit`` and prediction docs/s of ``predict_proba`` as shares of peak, for each of them;
- a profile of ours on each backend: per-epoch seconds of each piece of a step, timed alone on
  every ``--stride``-th batch of a shipped epoch (no validation pass runs in this configuration).

The peak is numpy's float32 2048 x 2048 matmul, best of 5, in a fresh process without the
machine's ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE`` pins (threadpoolctl's view of the kernel
is recorded); the best of the run's measurements is used.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

try:
    from benchmarks import _common as common
    from benchmarks.throughput import forward_flops, synthetic
except ImportError:  # run as a file: python benchmarks/speed.py
    import _common as common
    from throughput import forward_flops, synthetic

WORKER = Path(__file__).resolve().parent / "_speed_worker.py"
DEFAULT_REFERENCE = common.ROOT.parent / "ref-1e6ec2b"
PARTS = ["fits", "synthetic", "profile"]
CONFIG = dict(
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
# term and a 0.5 threshold (their defaults since issue 12 fit an SVM and tune thresholds).
OURS_ONLY = dict(linear_term=False, threshold=0.5)


def params_for(name, config, seed):
    """The worker's parameters for code ``name`` ("reference" or "ours") at ``seed``."""
    return {**config, **(OURS_ONLY if name == "ours" else {}), "random_state": seed}


def flops_per_token(config):
    """Convolution FLOPs per real token and epoch: forward and the two backward products."""
    return 3 * 2 * sum(config["filter_sizes"]) * config["embedding_dim"] * config["num_filters"]


def run_worker(task, checkout, backend, data, params, extra=None):
    """A worker's result dict, run with ``checkout``'s sk_textcnn under ``backend``."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "KERAS_BACKEND": backend}
    command = [sys.executable, str(WORKER), task, str(data), json.dumps(params)]
    done = subprocess.run(
        command + [json.dumps(extra or {})], env=env, capture_output=True, text=True
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        sys.exit(f"{task} ({checkout}, {backend}) failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def main(argv=None):
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE, help="checkout")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--backends", nargs="+", default=["tensorflow", "jax"])
    p.add_argument("--n-train", type=int, default=None, help="subsample the train split")
    p.add_argument("--synthetic-docs", type=int, default=4000)
    p.add_argument("--repeats", type=int, default=3, help="synthetic epochs timed, median kept")
    p.add_argument("--stride", type=int, default=8, help="profile every n-th batch")
    p.add_argument(
        "--parts", nargs="+", choices=PARTS, default=PARTS, help="measure only these parts"
    )
    args = p.parse_args(argv)
    config = dict(CONFIG)
    if args.quick:
        config["epochs"] = 2
        args.n_train = args.n_train or 1500
        args.synthetic_docs, args.repeats, args.stride = 640, 1, 16
    if not (args.reference / "sk_textcnn").is_dir():
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

    ours, ref = common.ROOT, args.reference
    codes = [("reference", ref, "tensorflow")] + [("ours", ours, b) for b in args.backends]
    peaks, fits, syn, profiles = [], {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        reuters, synth = Path(tmp) / "reuters.npz", Path(tmp) / "synthetic.npz"
        np.savez(reuters, X=X, Y=Y_train, X_test=X_test, Y_test=Y_test)
        np.savez(synth, X=X_syn, Y=Y_syn)
        peaks.append(common.gemm_peak())
        for seed in args.seeds if "fits" in args.parts else []:
            for name, checkout, backend in codes:
                key = f"{name} {backend}"
                result = run_worker(
                    "fit", checkout, backend, reuters, params_for(name, config, seed)
                )
                fits.setdefault(key, {})[seed] = result
                print(
                    f"seed {seed}, {key}: fit {result['fit_seconds']:.1f} s, micro-F1 "
                    f"{result['micro_f1']:.4f}, macro-F1 {result['macro_f1']:.4f}",
                    flush=True,
                )
            peaks.append(common.gemm_peak())
        for name, checkout, backend in codes if "synthetic" in args.parts else []:
            key = f"{name} {backend}"
            params = params_for(name, config, 0)
            syn[key] = run_worker(
                "synthetic", checkout, backend, synth, params, {"repeats": args.repeats}
            )
            print(f"synthetic, {key}: done", flush=True)
        peaks.append(common.gemm_peak())
        for backend in args.backends if "profile" in args.parts else []:
            try:
                profiles[backend] = run_worker(
                    "profile",
                    ours,
                    backend,
                    reuters,
                    params_for("ours", config, 0),
                    {"stride": args.stride},
                )
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
    reference_key = "reference tensorflow"
    rows = []
    for key, by_seed in fits.items():
        for seed, r in by_seed.items():
            base = fits[reference_key][seed]
            r["speedup_over_reference"] = base["fit_seconds"] / r["fit_seconds"]
            r["share_of_peak"] = ideal_s / r["fit_seconds"]
            r["micro_f1_minus_reference"] = r["micro_f1"] - base["micro_f1"]
            r["macro_f1_minus_reference"] = r["macro_f1"] - base["macro_f1"]
            rows.append(
                [
                    key,
                    seed,
                    r["fit_seconds"],
                    r["speedup_over_reference"],
                    f"{r['share_of_peak']:.1%}",
                    f"{r['micro_f1']:.4f}",
                    f"{r['macro_f1']:.4f}",
                    f"{r['micro_f1_minus_reference']:+.4f}",
                    f"{r['macro_f1_minus_reference']:+.4f}",
                ]
            )
    print(
        common.table(
            [
                "Reuters fit",
                "seed",
                "fit s",
                "speed-up over reference",
                "share of peak",
                "micro-F1",
                "macro-F1",
                "micro - ref",
                "macro - ref",
            ],
            rows,
        )
    )

    forward = forward_flops()
    syn_rows = []
    for key, r in syn.items():
        r["train_docs_per_s"] = len(X_syn) / common.median(r["train_seconds"])
        r["predict_docs_per_s"] = len(X_syn) / common.median(r["predict_seconds"])
        r["train_share_of_peak"] = r["train_docs_per_s"] * 3 * forward / peak
        r["predict_share_of_peak"] = r["predict_docs_per_s"] * forward / peak
        base = syn[reference_key]
        syn_rows.append(
            [
                key,
                r["train_docs_per_s"],
                f"{r['train_share_of_peak']:.1%}",
                r["train_docs_per_s"] / base["train_docs_per_s"],
                r["predict_docs_per_s"],
                f"{r['predict_share_of_peak']:.1%}",
                r["predict_docs_per_s"] / base["predict_docs_per_s"],
            ]
        )
    print(f"\nsynthetic: {len(X_syn):,} docs of length 200, median of {args.repeats}\n")
    print(
        common.table(
            [
                "synthetic",
                "train docs/s",
                "share of peak",
                "ratio to ref",
                "predict docs/s",
                "share of peak",
                "ratio to ref",
            ],
            syn_rows,
        )
    )

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
        print(
            common.table(
                ["piece, timed alone", "s / epoch", "share of the shipped step"],
                [[name, s, f"{s / step:.0%}"] for name, s in seconds.items()],
            )
        )
    common.write_results(
        "speed",
        {
            "config": {
                **config,
                "n_train": len(X),
                "n_test": len(X_test),
                "max_length": X.shape[1],
                "seeds": args.seeds,
                "quick": args.quick,
                "reference": str(args.reference),
                "synthetic_docs": len(X_syn),
                "repeats": args.repeats,
            },
            "real_tokens": real_tokens,
            "flops_per_token": flops_per_token(config),
            "gemm": peaks,
            "peak_gflops": peak / 1e9,
            "ideal_fit_seconds": ideal_s,
            "fits": fits,
            "synthetic": syn,
            "profiles": profiles,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
