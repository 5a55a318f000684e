"""Memory: peak resident memory (RSS) of fitting and of predicting, each measured in a fresh
child process (``common.rss_mb``: the peak from getrusage, the current RSS from psutil).
"""

import json
import sys

from benchmarks import _common as common

FIT_MODELS = {
    "ours": "SequenceVectorizer + TextCNNClassifier (default, epochs={epochs})",
    "baseline": "TF-IDF (sublinear, 1-2 grams, min_df=2) + OvR(LinearSVC())",
}


def fit(args):
    """peak RSS of fitting the default Reuters pipeline against TF-IDF + OvR(LinearSVC()).

    Each child loads the data, imports what its model needs, notes its RSS, fits on the Reuters
    train split and reports its peak RSS. Ours is make_pipeline(SequenceVectorizer(),
    TextCNNClassifier(random_state=0, epochs=EPOCHS)), EPOCHS = 1 by default (--epochs): memory
    does not grow with epochs, time does. "fit increment" is the peak minus the RSS just before
    fit (imports and data excluded).
    """
    if args.quick:
        args.n_train = args.n_train or 1000
    if args.child is not None:
        return fit_child(args.child[0], args.epochs, args.n_train)
    results = {}
    for name in FIT_MODELS:
        options = ["--child", name, "--epochs", args.epochs]
        options += ["--n-train", args.n_train] if args.n_train else []
        results[name] = common.child(args, *options)
        print(f"{name}: {results[name]}", flush=True)
    metrics = ["peak_rss_mb", "rss_before_fit_mb", "fit_increment_mb", "fit_seconds"]
    ratios = {m: results["ours"][m] / results["baseline"][m] for m in metrics}
    labels = {name: label.format(epochs=args.epochs) for name, label in FIT_MODELS.items()}
    rows = [[labels[name]] + [results[name][m] for m in metrics] for name in FIT_MODELS]
    rows.append(["ratio ours / baseline"] + [ratios[m] for m in metrics])
    print(f"\nfit on {results['ours']['n_train']:,} Reuters train docs, each in a fresh process\n")
    print(common.table("model | peak RSS MB | RSS before fit MB | fit increment MB | fit s", rows))
    config = {"epochs": args.epochs, "n_train": results["ours"]["n_train"], "quick": args.quick}
    config["measure"] = "getrusage ru_maxrss in a child"
    payload = {"config": config, "models": labels, "results": results}
    common.write_results(args, {**payload, "ratios_ours_over_baseline": ratios})


def fit_child(name, epochs, n_train):
    if name == "ours":
        from sklearn.pipeline import make_pipeline

        from sk_textcnn import SequenceVectorizer, TextCNNClassifier

        model = TextCNNClassifier(random_state=0, epochs=epochs)
        pipeline = make_pipeline(SequenceVectorizer(), model)
    else:
        pipeline = common.linear_pipeline("bigram_linearsvc", multilabel=True)
    train, Y_train, _, _, _ = common.load_reuters_split()
    train, Y_train = common.subsample(train, Y_train, n_train)
    common.ignore_label_warnings()
    before, _ = common.rss_mb()
    _, seconds = common.timed(pipeline.fit, train, Y_train)
    after, peak = common.rss_mb()
    result = {"rss_before_fit_mb": before, "peak_rss_mb": peak, "fit_increment_mb": peak - before}
    result.update(rss_after_fit_mb=after, fit_seconds=seconds, n_train=len(train))
    print(json.dumps({**result, "tensorflow_imported": "tensorflow" in sys.modules}))


def large_input(args):
    """peak RSS growth of transform + predict_proba over 100,000 and 1,000,000 short documents.

    Each child (one per --sizes) fits a small pipeline on 2,000 synthetic documents, generates N
    short documents (3-12 words), then measures the peak RSS that SequenceVectorizer.transform
    followed by TextCNNClassifier.predict_proba adds. Work is batched (10,000 documents per
    transform chunk, 128 per forward pass), so the growth should be the output arrays plus a
    constant, not the token lists or activations of all N documents.
    """
    if args.child is not None:
        return large_input_child(int(args.child[0]))
    sizes = args.sizes or ([20_000, 100_000] if args.quick else [100_000, 1_000_000])
    runs = [common.child(args, "--child", n) for n in sizes]
    keys = ["documents", "peak_growth_mb", "output_mb", "transform_docs_per_s"]
    keys.append("predict_docs_per_s")
    headers = "documents | peak growth MB | outputs MB | transform docs/s | predict docs/s"
    print(common.table(headers, [[r[k] for k in keys] for r in runs]))
    first, last = runs[0], runs[-1]
    ratios = {
        "documents": last["documents"] / first["documents"],
        "peak_growth": last["peak_growth_mb"] / max(first["peak_growth_mb"], 1e-9),
    }
    print(f"\n{ratios['documents']:.0f}x the documents -> {ratios['peak_growth']:.1f}x the growth")
    common.write_results(args, {"quick": args.quick, "sizes": runs, "ratios": ratios})


def large_input_child(n_documents):
    import numpy as np

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier

    rng = np.random.RandomState(0)
    words = np.array([f"w{i}" for i in range(5000)])

    def documents(n):
        lengths = rng.randint(3, 13, n)
        return [" ".join(words[rng.randint(0, 5000, k)]) for k in lengths]

    train = documents(2000)
    Y = (rng.rand(2000, 5) < 0.2).astype(int)
    vectorizer = SequenceVectorizer(max_length=12).fit(train)
    classifier = TextCNNClassifier(epochs=1, random_state=0).fit(vectorizer.transform(train), Y)
    classifier.predict_proba(vectorizer.transform(train[:500]))  # warm up
    docs = documents(n_documents)
    before, _ = common.rss_mb()
    X, transform_s = common.timed(vectorizer.transform, docs)
    P, predict_s = common.timed(classifier.predict_proba, X)
    peak = common.rss_mb()[1]
    result = {"documents": n_documents, "rss_before_mb": before, "peak_growth_mb": peak - before}
    result.update(output_mb=(X.nbytes + P.nbytes) / 2**20)
    result.update(transform_docs_per_s=n_documents / transform_s)
    print(json.dumps({**result, "predict_docs_per_s": n_documents / predict_s}))


def options(p):
    p.add_argument("--epochs", type=int, default=1, help="fit: epochs of ours (default 1)")
    p.add_argument("--n-train", type=int, help="fit: subsample the train split")
    p.add_argument("--sizes", type=int, nargs="+", help="large-input: documents per child")


MODES = {"fit": fit, "large-input": large_input}

if __name__ == "__main__":
    common.harness("memory", __doc__, MODES, options)
