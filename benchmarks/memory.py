"""Peak memory of fitting the default Reuters pipeline against the TF-IDF + LinearSVC baseline.

Each fit runs in a fresh subprocess (``python -m benchmarks.memory --child NAME``), which loads
the data, imports what its model needs, notes its RSS, fits on the Reuters train split and
reports its peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``). Ours is
``make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=0, epochs=EPOCHS))`` with
EPOCHS = 1 by default (``--epochs``): memory does not grow with epochs, time does. The baseline
is TF-IDF (sublinear, 1-2 grams, min_df=2) + OneVsRest(LinearSVC()). "fit increment" is the peak
minus the RSS just before ``fit`` (imports and data excluded).
"""

import argparse
import json
import resource
import subprocess
import sys

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/memory.py
    import _common as common

MODELS = {
    "ours": "SequenceVectorizer + TextCNNClassifier (default, epochs={epochs})",
    "baseline": "TF-IDF (sublinear, 1-2 grams, min_df=2) + OvR(LinearSVC())",
}


def rss_bytes():
    try:
        import psutil

        return psutil.Process().memory_info().rss
    except ImportError:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()


def child(name, epochs, n_train):
    from sklearn.pipeline import make_pipeline

    if name == "ours":
        from sk_textcnn import SequenceVectorizer, TextCNNClassifier

        pipeline = make_pipeline(
            SequenceVectorizer(), TextCNNClassifier(random_state=0, epochs=epochs)
        )
    else:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.svm import LinearSVC

        pipeline = make_pipeline(
            TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2),
            OneVsRestClassifier(LinearSVC()),
        )
    train, Y_train, _, _, _ = common.load_reuters_split()
    train, Y_train = common.subsample(train, Y_train, n_train)
    common.ignore_label_warnings()
    before = rss_bytes()
    _, seconds = common.timed(pipeline.fit, train, Y_train)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(
        json.dumps(
            {
                "rss_before_fit_mb": before / 2**20,
                "peak_rss_mb": peak / 2**20,
                "fit_increment_mb": (peak - before) / 2**20,
                "rss_after_fit_mb": rss_bytes() / 2**20,
                "fit_seconds": seconds,
                "tensorflow_imported": "tensorflow" in sys.modules,
                "n_train": len(train),
            }
        )
    )


def main(argv=None):
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=1, help="epochs of ours (default 1)")
    p.add_argument("--n-train", type=int, default=None, help="subsample the train split")
    p.add_argument("--child", choices=sorted(MODELS), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.n_train = args.n_train or 1000
    if args.child:
        return child(args.child, args.epochs, args.n_train)

    results = {}
    for name in MODELS:
        command = [
            sys.executable,
            "-m",
            "benchmarks.memory",
            "--child",
            name,
            "--epochs",
            str(args.epochs),
        ]
        if args.n_train:
            command += ["--n-train", str(args.n_train)]
        done = subprocess.run(command, cwd=common.ROOT, capture_output=True, text=True, check=False)
        if done.returncode:
            sys.exit(f"{name} child failed:\n{done.stderr}")
        results[name] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{name}: {results[name]}", flush=True)

    metrics = ["peak_rss_mb", "rss_before_fit_mb", "fit_increment_mb", "fit_seconds"]
    ratios = {m: results["ours"][m] / results["baseline"][m] for m in metrics}
    print(f"\nfit on {results['ours']['n_train']:,} Reuters train docs, each in a fresh process\n")
    print(
        common.table(
            ["model", "peak RSS MB", "RSS before fit MB", "fit increment MB", "fit s"],
            [
                [MODELS[name].format(epochs=args.epochs)] + [results[name][m] for m in metrics]
                for name in MODELS
            ]
            + [["ratio ours / baseline"] + [ratios[m] for m in metrics]],
        )
    )
    common.write_results(
        "memory",
        {
            "config": {
                "epochs": args.epochs,
                "n_train": results["ours"]["n_train"],
                "quick": args.quick,
                "measure": "getrusage ru_maxrss in a child",
            },
            "models": {name: label.format(epochs=args.epochs) for name, label in MODELS.items()},
            "results": results,
            "ratios_ours_over_baseline": ratios,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
