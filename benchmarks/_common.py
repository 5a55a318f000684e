"""The one module the benchmark harnesses share: the command line, machine info, timing, the
peak-RSS probe, tables, JSON, the text sets and the linear TF-IDF baselines.

Nothing here imports TensorFlow or scikit-learn at import time, so a child process measuring
memory or a scikit-learn baseline holds only what it imports itself.
"""

import argparse
import importlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
SHARED_DATA = ROOT.parent / "shared" / "data"
REUTERS_JSONL = Path(os.environ.get("REUTERS_JSONL", SHARED_DATA / "reuters21578-modapte90.jsonl"))


def harness(name, doc, modes, options, argv=None):
    """``python -m benchmarks.NAME [MODE ...] [--quick] [options]``.

    ``modes`` maps a mode's name to its function of the parsed arguments, ``options(parser)``
    adds the harness's options. One mode runs in this process; several, or none (all), each run
    in a fresh process, so that no mode's imports, caches or memory colour another's figures.
    """
    lines = [f"  {mode}: {fn.__doc__.splitlines()[0]}" for mode, fn in modes.items()]
    p = argparse.ArgumentParser(
        prog=f"python -m benchmarks.{name}",
        description=doc,
        epilog="modes (first, before any option):\n" + "\n".join(lines),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("modes", nargs="*", metavar="MODE", help="default: all of them")
    p.add_argument("--quick", action="store_true", help="reduced sizes, for a smoke test")
    p.add_argument("--out", type=Path, default=None, help="JSON path (default: results/)")
    # A mode's child process, with that mode's values (see ``child``).
    p.add_argument("--child", nargs="*", default=None, help=argparse.SUPPRESS)
    # In a child: import sk_textcnn from this checkout (a reference commit) instead of ours.
    p.add_argument("--checkout", type=Path, default=None, help=argparse.SUPPRESS)
    options(p)
    argv = sys.argv[1:] if argv is None else argv
    args = p.parse_args(argv)
    unknown = [mode for mode in args.modes if mode not in modes]
    if unknown:
        p.error(f"unknown mode {', '.join(unknown)}; choose from {', '.join(modes)}")
    if argv[: len(args.modes)] != args.modes:  # the options are passed on to each mode's run
        p.error("name the modes first, before any option")
    if len(args.modes) != 1:
        if args.out:
            p.error("--out takes a single mode")
        run_modes([(name, mode) for mode in args.modes or modes], argv[len(args.modes) :])
        return
    if args.checkout:
        sys.path.insert(0, str(args.checkout.resolve()))
    args.harness, args.mode = name, args.modes[0]
    modes[args.mode](args)


def run_modes(pairs, argv):
    """Run each ``(harness, mode)`` in a fresh process with ``argv``; exit 1 if any failed."""
    failed = []
    for name, mode in pairs:
        command = [sys.executable, "-m", f"benchmarks.{name}", mode, *argv]
        print(f"\n## {' '.join(command[1:])}\n", flush=True)
        start = time.perf_counter()
        returncode = subprocess.run(command, cwd=ROOT, check=False).returncode
        seconds = time.perf_counter() - start
        print(f"\n({name} {mode}: exit {returncode}, {seconds:.0f} s)", flush=True)
        if returncode:
            failed.append(f"{name} {mode}")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


def child(args, *options, env=None, stdin=None):
    """Run this mode in a fresh process with ``options`` (``--child`` and its values, for the
    mode's hidden child role); return the JSON object on the last line of its output."""
    command = [sys.executable, "-m", f"benchmarks.{args.harness}", args.mode]
    command += [str(option) for option in options]
    done = subprocess.run(
        command, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"{' '.join(command[1:])} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


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


def rss_mb():
    """``(now, peak so far)``: this process's resident memory in MiB (Linux)."""
    import psutil

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return psutil.Process().memory_info().rss / 2**20, peak_kib / 2**10


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
    """A markdown table as a string; ``headers`` as its header row reads, "a | b | c"."""
    headers = headers.split(" | ")
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(fmt(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(args, payload):
    """Write ``payload`` plus machine info to ``--out``, else ``results/<harness>-<mode>.json``."""
    name = f"{args.harness}-{args.mode}"
    path = args.out or RESULTS_DIR / f"{name}.json"
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


def warm_up(texts, Y):
    """An untimed tiny fit and predict, so TensorFlow's one-off start-up cost lands in no row."""
    from sklearn.pipeline import make_pipeline

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier

    tiny = make_pipeline(SequenceVectorizer(), TextCNNClassifier(num_filters=8, epochs=1))
    tiny.fit(texts[:64], Y[:64]).predict(texts[:8])


SUITE_DIR = SHARED_DATA / "suite"
SETS = {
    "sst2": SUITE_DIR / "sst2.jsonl",
    "trec": SUITE_DIR / "trec.jsonl",
    "semeval2018_ec": SUITE_DIR / "semeval2018_ec.jsonl",
    "20newsgroups": SUITE_DIR / "20newsgroups.jsonl",
    "reuters": REUTERS_JSONL,
}
MULTILABEL_SETS = {"semeval2018_ec", "reuters"}
# Share of the train split held out in --split validation, for sets without a dev split.
VALIDATION_FRACTION = 0.2


def read_set(path):
    """``{split: (texts, label lists)}`` of a JSON-lines file of ``{"text", "labels", "split"}``."""
    parts = {}
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            texts, labels = parts.setdefault(record["split"], ([], []))
            texts.append(record["text"])
            labels.append(record["labels"])
    return parts


def load_set(name, split, n_train=None, n_test=None):
    """``(train_texts, y_train, scored_texts, y_scored, multilabel)`` for one set.

    ``split`` "test" scores the test split; "validation" the dev split where the set has one,
    else ``VALIDATION_FRACTION`` of the train split held out (stratified). Single-label targets
    are arrays of class names; multi-label ones indicator matrices binarized on the training
    rows (a label absent from them is dropped).
    """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MultiLabelBinarizer

    parts = read_set(SETS[name])
    multilabel = any(
        len(labels) != 1 for _, label_lists in parts.values() for labels in label_lists
    )
    train_texts, train_labels = parts["train"]
    if split == "test":
        scored_texts, scored_labels = parts["test"]
    elif "dev" in parts:
        scored_texts, scored_labels = parts["dev"]
    else:
        train_texts, scored_texts, train_labels, scored_labels = train_test_split(
            train_texts,
            train_labels,
            test_size=VALIDATION_FRACTION,
            random_state=0,
            stratify=None if multilabel else [labels[0] for labels in train_labels],
        )
    if multilabel:
        binarizer = MultiLabelBinarizer().fit(train_labels)
        with_known = [
            [label for label in labels if label in binarizer.classes_] for labels in scored_labels
        ]
        y_train, y_scored = binarizer.transform(train_labels), binarizer.transform(with_known)
    else:
        y_train = np.array([labels[0] for labels in train_labels])
        y_scored = np.array([labels[0] for labels in scored_labels])
    train_texts, y_train = subsample(train_texts, y_train, n_train)
    scored_texts, y_scored = subsample(scored_texts, y_scored, n_test)
    return train_texts, y_train, scored_texts, y_scored, multilabel


def scores(y_true, y_pred, multilabel):
    """``{"primary": accuracy or micro-F1, "macro_f1": ...}`` (``zero_division=0``)."""
    from sklearn.metrics import accuracy_score, f1_score

    primary = (
        f1_score(y_true, y_pred, average="micro", zero_division=0)
        if multilabel
        else accuracy_score(y_true, y_pred)
    )
    return {
        "primary": primary,
        "macro_f1": f1_score(y_true, y_pred, average="macro", zero_division=0),
    }


def _logreg_c10():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=10, max_iter=1000)


def _linearsvc(**params):
    from sklearn.svm import LinearSVC

    return LinearSVC(**params)


# The linear references: name -> (label, TF-IDF n-gram range, classifier factory).
LINEAR = {
    "bigram_logreg_c10": ("TF-IDF 1-2 grams + LogisticRegression(C=10)", (1, 2), _logreg_c10),
    "bigram_linearsvc": ("TF-IDF 1-2 grams + LinearSVC()", (1, 2), _linearsvc),
    "unigram_linearsvc_balanced": (
        'TF-IDF unigrams + LinearSVC(class_weight="balanced")',
        (1, 1),
        lambda: _linearsvc(class_weight="balanced"),
    ),
    "bigram_linearsvc_balanced": (
        'TF-IDF 1-2 grams + LinearSVC(class_weight="balanced")',
        (1, 2),
        lambda: _linearsvc(class_weight="balanced"),
    ),
}


def linear_pipeline(name, multilabel=False, bigram_min_df=2):
    """TF-IDF (sublinear) + the ``LINEAR`` model ``name``, one-vs-rest for multi-label targets.

    A 1-2 gram vectorizer drops the terms of fewer than ``bigram_min_df`` documents: 2 in the
    suite and the memory baseline; 1, none dropped, in the learning curve (issue 23 specifies
    ``TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2))`` there).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    _, ngrams, make = LINEAR[name]
    min_df = bigram_min_df if ngrams == (1, 2) else 1
    model = make()
    return make_pipeline(
        TfidfVectorizer(sublinear_tf=True, ngram_range=ngrams, min_df=min_df),
        OneVsRestClassifier(model) if multilabel else model,
    )
