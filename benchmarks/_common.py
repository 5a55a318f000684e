"""Helpers shared by the benchmark scripts: machine info, timing, tables, JSON, Reuters data,
and the fit/predict/score loop of the Reuters accuracy scripts.

Nothing here imports TensorFlow at import time, so a subprocess measuring a scikit-learn baseline
stays free of it.
"""

import argparse
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
REUTERS_JSONL = Path(
    os.environ.get(
        "REUTERS_JSONL", ROOT.parent / "shared" / "data" / "reuters21578-modapte90.jsonl"
    )
)

if str(ROOT) not in sys.path:  # run as a file, `python benchmarks/x.py`, from anywhere
    sys.path.insert(0, str(ROOT))


def parser(description):
    """An argument parser with the options every script takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="reduced sizes, for a smoke test")
    p.add_argument("--out", type=Path, default=None, help="JSON path (default: results/<name>)")
    return p


def reuters_parser(description):
    """``parser()`` plus the Reuters scripts' ``--epochs``, ``--n-train`` and ``--n-test``."""
    p = parser(description)
    p.add_argument("--epochs", type=int, default=None, help="override the default (10)")
    p.add_argument("--n-train", type=int, default=None, help="subsample the train split")
    p.add_argument("--n-test", type=int, default=None, help="subsample the test split")
    return p


def machine_info():
    """Cores, CPU, load and library versions (imports the ML stack)."""
    # First: sk_textcnn imports TensorFlow with its start-up notices muted.
    sk_textcnn = importlib.import_module("sk_textcnn")
    import keras
    import sklearn
    import tensorflow as tf

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return {
        "sk_textcnn": sk_textcnn.__version__,
        "sk_textcnn_path": str(Path(sk_textcnn.__file__).parent),
        "git": _git_state(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "keras_backend": keras.backend.backend(),
        "tf_threads": {
            "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
        },
    }


def _git_state():
    """HEAD and whether sk_textcnn/ differs from it (others edit the package concurrently)."""

    def git(*args):
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None

    head = git("rev-parse", "--short", "HEAD")
    if head is None:  # not a checkout, e.g. an exported snapshot
        return None
    return {"head": head, "sk_textcnn_modified": bool(git("status", "--porcelain", "sk_textcnn"))}


def timed(fn, *args, **kwargs):
    """Return ``(fn(*args, **kwargs), seconds)``."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def median(values):
    return statistics.median(values)


def percentile(values, q):
    return float(np.percentile(np.asarray(values), q))


# The machine pins OpenBLAS to an older kernel through these (TensorFlow's oneDNN and XLA do not
# read them); measured with the pin, the peak reads about half and our share twice too high.
OPENBLAS_PINS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

_GEMM_PROGRAM = """
import json, sys, time
import numpy as np
from threadpoolctl import threadpool_info
n, repeats = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
a = rng.standard_normal((n, n), dtype=np.float32)
b = rng.standard_normal((n, n), dtype=np.float32)
a @ b
best = float("inf")
for _ in range(repeats):
    start = time.perf_counter()
    a @ b
    best = min(best, time.perf_counter() - start)
blas = [{k: i.get(k) for k in ("internal_api", "architecture", "num_threads")}
        for i in threadpool_info() if i.get("user_api") == "blas"]
print(json.dumps({"gflops": 2 * n**3 / best / 1e9, "blas": blas}))
"""


def gemm_peak(n=2048, repeats=5):
    """numpy's float32 ``n x n`` matmul rate, best of ``repeats``, in a fresh process.

    The process runs without ``OPENBLAS_PINS`` (this one keeps them). Returns ``{"gflops",
    "blas"}``, the latter threadpoolctl's view of the BLAS kernel that ran.
    """
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_PINS}
    done = subprocess.run(
        [sys.executable, "-c", _GEMM_PROGRAM, str(n), str(repeats)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def gemm_gflops(n=2048, repeats=5):
    """``gemm_peak(n, repeats)["gflops"]``: the peak that shares of peak are quoted against."""
    return gemm_peak(n, repeats)["gflops"]


def fmt(value, digits=3):
    """A table cell: floats to ``digits`` significant figures, thousands separated."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def table(headers, rows):
    """A markdown table as a string."""
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(fmt(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(name, payload, out=None):
    """Write ``payload`` plus machine info to ``results/<name>.json``; return the path."""
    path = Path(out) if out else RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": name,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine_info(),
        **payload,
    }
    path.write_text(json.dumps(record, indent=2, default=_jsonable) + "\n")
    print(f"\nwrote {path}")
    return path


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def load_reuters_split():
    """Reuters ModApte-90 as ``(train_texts, Y_train, test_texts, Y_test, label_names)``.

    Reads the shared JSON-lines file, falling back to the copy bundled with sk_textcnn. Labels
    are binarized with a MultiLabelBinarizer fitted on the train split, as BENCHMARKS.md says.
    """
    from sklearn.preprocessing import MultiLabelBinarizer

    if REUTERS_JSONL.exists():
        with REUTERS_JSONL.open(encoding="utf-8") as f:
            records = [json.loads(line) for line in f]
        split = {part: [r for r in records if r["split"] == part] for part in ("train", "test")}
        texts = {part: [r["text"] for r in split[part]] for part in split}
        labels = {part: [r["labels"] for r in split[part]] for part in split}
    else:
        from sk_textcnn import load_reuters

        texts, labels = {}, {}
        for part in ("train", "test"):
            bunch = load_reuters(subset=part)
            texts[part] = bunch.data
            labels[part] = [list(bunch.target_names[row.astype(bool)]) for row in bunch.target]
    binarizer = MultiLabelBinarizer().fit(labels["train"])
    return (
        texts["train"],
        binarizer.transform(labels["train"]),
        texts["test"],
        binarizer.transform(labels["test"]),
        list(binarizer.classes_),
    )


def ignore_label_warnings():
    """Silence the classifiers' warnings about labels a subsampled train split lacks."""
    warnings.filterwarnings("ignore", message="Label .* (present in|absent from) all")


def subsample(texts, Y, n, seed=0):
    """The first ``n`` documents of a fixed permutation (all of them when ``n`` is None)."""
    if n is None or n >= len(texts):
        return texts, Y
    order = np.random.default_rng(seed).permutation(len(texts))[:n]
    return [texts[i] for i in order], Y[order]


QUICK_DEFAULTS = {"epochs": 1, "n_train": 1500, "n_test": 500}


def reuters_data(args):
    """Apply the ``--quick`` defaults to ``args`` (in place), then load and subsample Reuters.

    Returns ``(train_texts, Y_train, test_texts, Y_test, label_names)``; from here on the
    classifiers' warnings about labels the subsampled train split lacks are silenced.
    """
    if args.quick:
        for name, default in QUICK_DEFAULTS.items():
            setattr(args, name, getattr(args, name) or default)
    train, Y_train, test, Y_test, labels = load_reuters_split()
    train, Y_train = subsample(train, Y_train, args.n_train)
    ignore_label_warnings()
    test, Y_test = subsample(test, Y_test, args.n_test)
    return train, Y_train, test, Y_test, labels


def epoch_params(args):
    """``{"epochs": args.epochs}``, or ``{}`` to keep the classifier's default."""
    return {} if args.epochs is None else {"epochs": args.epochs}


def evaluate(pipeline, train, Y_train, test, Y_test, extra=None):
    """Fit on train, predict test: micro- and macro-F1 (zero_division=0), fit and predict seconds.

    ``extra(pipeline, Y_pred)``, if given, returns more entries for the result.
    """
    _, fit_s = timed(pipeline.fit, train, Y_train)
    return evaluate_fitted(pipeline, test, Y_test, fit_s, extra)


def evaluate_fitted(pipeline, test, Y_test, fit_seconds, extra=None):
    """``evaluate`` for a pipeline fitted already (in ``fit_seconds``)."""
    from sklearn.metrics import f1_score

    Y_pred, predict_s = timed(pipeline.predict, test)
    result = {
        "micro_f1": f1_score(Y_test, Y_pred, average="micro", zero_division=0),
        "macro_f1": f1_score(Y_test, Y_pred, average="macro", zero_division=0),
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_s,
    }
    if extra is not None:
        result.update(extra(pipeline, Y_pred))
    return result


def warm_up(texts, Y):
    """An untimed tiny fit and predict, so TensorFlow's one-off start-up cost lands in no row."""
    from sklearn.pipeline import make_pipeline

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier

    tiny = make_pipeline(SequenceVectorizer(), TextCNNClassifier(num_filters=8, epochs=1))
    tiny.fit(texts[:64], Y[:64]).predict(texts[:8])


def ratios_over(results, reference, names, metrics):
    """``{name: {metric: results[name][metric] / results[reference][metric]}}``, but reference.

    A ratio over a zero reference (e.g. an F1 of 0 on a tiny smoke run) is None.
    """
    return {
        name: {
            m: results[name][m] / results[reference][m] if results[reference][m] else None
            for m in metrics
        }
        for name in names
        if name != reference
    }


def reuters_config(train, test, labels, epochs, args):
    """The ``config`` entries that describe the data and the run, for ``write_results``."""
    return {
        "n_train": len(train),
        "n_test": len(test),
        "n_labels": len(labels),
        "epochs": epochs,
        "quick": args.quick,
    }
