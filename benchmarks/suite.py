"""Accuracy across kinds of text: the default pipeline against four TF-IDF linear models, per set.

Sets: every file in ``../shared/data/suite/`` (SST-2, TREC, SemEval-2018 E-c, 20 Newsgroups) and
Reuters ModApte-90. Ours: ``make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=
seed))`` over ``--seeds`` (mean and min). References, fitted in the same process on the same
rows: TF-IDF (sublinear) + bigram ``LogisticRegression(C=10)``, bigram ``LinearSVC()``, unigram
and bigram ``LinearSVC(class_weight="balanced")`` (bigram: ``ngram_range=(1, 2), min_df=2``;
one-vs-rest for multi-label targets). Single-label sets score accuracy and macro-F1, multi-label
sets micro-F1 and macro-F1 (``zero_division=0``). Every ratio is ours (mean) over the best
linear model on that score.

``--split test`` (default) trains on the train split and scores the test split: the final
figure, looked at once. ``--split validation`` scores the source's dev split where it has one
(SST-2, SemEval) and otherwise trains on 80% of the train split and scores the other 20%
(stratified): the mode for choosing settings. On Reuters the run also fits the previous
defaults (``OLD_DEFAULTS``, seed of the first ``--seeds``), the reference of the fit-time ratio.
``--ensemble`` puts ``make_multilabel_ensemble(random_state=seed)`` in the place of ours (the
multi-label sets only, without the old defaults).
"""

import importlib
import json
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/suite.py
    import _common as common

SUITE_DIR = common.ROOT.parent / "shared" / "data" / "suite"
SETS = {
    "sst2": SUITE_DIR / "sst2.jsonl",
    "trec": SUITE_DIR / "trec.jsonl",
    "semeval2018_ec": SUITE_DIR / "semeval2018_ec.jsonl",
    "20newsgroups": SUITE_DIR / "20newsgroups.jsonl",
    "reuters": common.REUTERS_JSONL,
}
MULTILABEL_SETS = {"semeval2018_ec", "reuters"}
# Share of the train split held out in --split validation, for sets without a dev split.
VALIDATION_FRACTION = 0.2
# --quick: at most this many training and scored documents per set.
QUICK_N_TRAIN, QUICK_N_TEST = 1500, 500
# The defaults before issue 12, spelled out: the reference of the Reuters fit-time ratio.
OLD_DEFAULTS = {
    "epochs": 10,
    "learning_rate": 3e-3,
    "early_stopping": False,
    "linear_term": False,
    "threshold": 0.5,
}


def _bigram_tfidf():
    return TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2)


LINEAR = {
    "bigram_logreg_c10": (
        "TF-IDF 1-2 grams + LogisticRegression(C=10)",
        _bigram_tfidf,
        lambda: LogisticRegression(C=10, max_iter=1000),
    ),
    "bigram_linearsvc": ("TF-IDF 1-2 grams + LinearSVC()", _bigram_tfidf, LinearSVC),
    "unigram_linearsvc_balanced": (
        'TF-IDF unigrams + LinearSVC(class_weight="balanced")',
        lambda: TfidfVectorizer(sublinear_tf=True),
        lambda: LinearSVC(class_weight="balanced"),
    ),
    "bigram_linearsvc_balanced": (
        'TF-IDF 1-2 grams + LinearSVC(class_weight="balanced")',
        _bigram_tfidf,
        lambda: LinearSVC(class_weight="balanced"),
    ),
}


def linear_pipeline(name, multilabel):
    _, vectorizer, classifier = LINEAR[name]
    model = classifier()
    return make_pipeline(vectorizer(), OneVsRestClassifier(model) if multilabel else model)


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

    Single-label targets are arrays of class names; multi-label ones indicator matrices
    binarized on the training rows (a label absent from them is dropped).
    """
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
    train_texts, y_train = common.subsample(train_texts, y_train, n_train)
    scored_texts, y_scored = common.subsample(scored_texts, y_scored, n_test)
    return train_texts, y_train, scored_texts, y_scored, multilabel


def scores(y_true, y_pred, multilabel):
    """``{"primary": accuracy or micro-F1, "macro_f1": ...}``."""
    primary = (
        f1_score(y_true, y_pred, average="micro", zero_division=0)
        if multilabel
        else accuracy_score(y_true, y_pred)
    )
    return {
        "primary": primary,
        "macro_f1": f1_score(y_true, y_pred, average="macro", zero_division=0),
    }


def evaluate(pipeline, train, y_train, scored, y_scored, multilabel):
    _, fit_s = common.timed(pipeline.fit, train, y_train)
    y_pred, predict_s = common.timed(pipeline.predict, scored)
    result = {
        **scores(y_scored, y_pred, multilabel),
        "fit_seconds": fit_s,
        "predict_seconds": predict_s,
    }
    classifier = pipeline[-1] if hasattr(pipeline, "steps") else pipeline
    if hasattr(classifier, "history_"):
        result["epochs_run"] = len(classifier.history_["loss"])
        result["best_epoch"] = getattr(classifier, "best_epoch_", None)
        result["max_length"] = int(pipeline[0].max_length_)
        result["val_history"] = {k: v for k, v in classifier.history_.items() if k != "loss"}
    return result


def ours_factory(args):
    """``make(seed, **overrides)`` building our pipeline, from ``--estimator`` and params."""
    from sk_textcnn import SequenceVectorizer, TextCNNClassifier, make_multilabel_ensemble

    if args.ensemble:
        return lambda seed: make_multilabel_ensemble(random_state=seed)
    estimator = TextCNNClassifier
    if args.estimator:
        module, _, attribute = args.estimator.partition(":")
        estimator = getattr(importlib.import_module(module), attribute)
    params = json.loads(args.params)
    vectorizer_params = json.loads(args.vectorizer_params)

    def make(seed, old=False):
        if old:
            return make_pipeline(
                SequenceVectorizer(),
                TextCNNClassifier(random_state=seed, **OLD_DEFAULTS),
            )
        return make_pipeline(
            SequenceVectorizer(**vectorizer_params), estimator(random_state=seed, **params)
        )

    return make


def run_set(name, args, make_ours):
    n_train, n_test = (QUICK_N_TRAIN, QUICK_N_TEST) if args.quick else (None, None)
    n_train, n_test = args.n_train or n_train, args.n_test or n_test
    train, y_train, scored, y_scored, multilabel = load_set(name, args.split, n_train, n_test)
    common.ignore_label_warnings()
    data = (train, y_train, scored, y_scored, multilabel)
    results = {"linear": {}, "ours": {}}
    linear_names = [] if args.no_linear else list(LINEAR)
    # Interleaved: half the linear models, the seeds of ours, the other half (and old defaults).
    for linear_name in linear_names[:2]:
        results["linear"][linear_name] = evaluate(linear_pipeline(linear_name, multilabel), *data)
        print(f"{name} {linear_name}: {results['linear'][linear_name]}", flush=True)
    # Rows spread over the split: some sets are sorted by class, and the warm-up needs two.
    spread = np.random.default_rng(0).permutation(len(train))[:64]
    common.warm_up([train[i] for i in spread], y_train[spread])
    for seed in args.seeds:
        results["ours"][seed] = evaluate(make_ours(seed), *data)
        print(f"{name} ours seed {seed}: {results['ours'][seed]}", flush=True)
    for linear_name in linear_names[2:]:
        results["linear"][linear_name] = evaluate(linear_pipeline(linear_name, multilabel), *data)
        print(f"{name} {linear_name}: {results['linear'][linear_name]}", flush=True)
    if name == "reuters" and not args.no_old:
        results["old_defaults"] = evaluate(make_ours(args.seeds[0], old=True), *data)
        print(f"{name} old defaults: {results['old_defaults']}", flush=True)
    results.update(summarize(results, multilabel))
    results.update(multilabel=multilabel, n_train=len(train), n_scored=len(scored))
    return results


def summarize(results, multilabel):
    metrics = ["primary", "macro_f1", "fit_seconds"]
    ours = list(results["ours"].values())
    summary = {
        "ours_mean": {m: float(np.mean([r[m] for r in ours])) for m in metrics},
        "ours_min": {m: float(np.min([r[m] for r in ours])) for m in metrics},
    }
    if results["linear"]:
        best = {
            m: max(results["linear"], key=lambda n: results["linear"][n][m])
            for m in ("primary", "macro_f1")
        }
        summary["best_linear"] = {
            m: {
                "model": n,
                "score": results["linear"][n][m],
                "fit_seconds": results["linear"][n]["fit_seconds"],
            }
            for m, n in best.items()
        }
        summary["ratio_to_best_linear"] = {
            m: summary["ours_mean"][m] / best_m["score"] if best_m["score"] else None
            for m, best_m in summary["best_linear"].items()
        }
    if "old_defaults" in results:
        summary["fit_seconds_ratio_to_old_defaults"] = (
            summary["ours_mean"]["fit_seconds"] / results["old_defaults"]["fit_seconds"]
        )
    return summary


def print_tables(all_results, args):
    seeds = ", ".join(map(str, args.seeds))
    print(
        f"\nSuite, {args.split} split; ours: seeds {seeds} (mean / min); "
        "single-label: accuracy / macro-F1, multi-label: micro-F1 / macro-F1\n"
    )
    rows = []
    for name, r in all_results.items():
        best = r.get("best_linear")
        mean, low = r["ours_mean"], r["ours_min"]
        ratio = r.get("ratio_to_best_linear")
        rows.append(
            [
                name,
                "multi-label" if r["multilabel"] else "single-label",
                f"{r['n_train']:,} / {r['n_scored']:,}",
                f"{best['primary']['score']:.3f} / {best['macro_f1']['score']:.3f}"
                if best
                else "-",
                f"{mean['primary']:.3f} / {mean['macro_f1']:.3f}",
                f"{low['primary']:.3f} / {low['macro_f1']:.3f}",
                f"{ratio['primary']:.3f} / {ratio['macro_f1']:.3f}" if ratio else "-",
                mean["fit_seconds"],
                best["primary"]["fit_seconds"] if best else None,
            ]
        )
    print(
        common.table(
            [
                "set",
                "kind",
                "train / scored",
                "best linear",
                "ours mean",
                "ours min",
                "ours / best linear",
                "ours fit s",
                "best linear fit s",
            ],
            rows,
        )
    )
    print("\nEvery model (score 1 = accuracy or micro-F1):\n")
    rows = []
    for name, r in all_results.items():
        for linear_name, lr in r["linear"].items():
            rows.append(
                [name, LINEAR[linear_name][0], lr["primary"], lr["macro_f1"], lr["fit_seconds"]]
            )
        for seed, o in r["ours"].items():
            # An ensemble records no single network's epochs.
            run = (
                f" ({o['epochs_run']} epochs, best {o['best_epoch']}, length {o['max_length']})"
                if "epochs_run" in o
                else ""
            )
            rows.append(
                [
                    name,
                    f"ours, seed {seed}{run}",
                    o["primary"],
                    o["macro_f1"],
                    o["fit_seconds"],
                ]
            )
        if "old_defaults" in r:
            o = r["old_defaults"]
            rows.append(
                [
                    name,
                    "old defaults " + json.dumps(OLD_DEFAULTS),
                    o["primary"],
                    o["macro_f1"],
                    o["fit_seconds"],
                ]
            )
    print(common.table(["set", "model", "score 1", "macro-F1", "fit s"], rows))
    old = {
        n: r["fit_seconds_ratio_to_old_defaults"]
        for n, r in all_results.items()
        if "fit_seconds_ratio_to_old_defaults" in r
    }
    for name, ratio in old.items():
        print(f"\n{name}: fit seconds of ours (mean) / old defaults = {ratio:.2f}")


def main(argv=None):
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="random_state of ours")
    p.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS))
    p.add_argument("--split", choices=["test", "validation"], default="test")
    p.add_argument("--n-train", type=int, default=None, help="subsample the training rows")
    p.add_argument("--n-test", type=int, default=None, help="subsample the scored rows")
    p.add_argument("--params", default="{}", help="JSON of TextCNNClassifier parameters")
    p.add_argument("--vectorizer-params", default="{}", help="JSON of SequenceVectorizer ones")
    p.add_argument("--estimator", default=None, help="module:Class instead of TextCNNClassifier")
    p.add_argument(
        "--ensemble",
        action="store_true",
        help="ours is make_multilabel_ensemble(random_state=seed); multi-label sets only",
    )
    p.add_argument("--no-linear", action="store_true", help="skip the linear references")
    p.add_argument("--no-old", action="store_true", help="skip the old defaults on Reuters")
    args = p.parse_args(argv)
    if args.ensemble and set(args.sets) - MULTILABEL_SETS:
        p.error(f"--ensemble takes only the multi-label sets {sorted(MULTILABEL_SETS)}")
    args.no_old = args.no_old or args.ensemble

    make_ours = ours_factory(args)
    all_results = {}
    for name in args.sets:
        all_results[name] = run_set(name, args, make_ours)
        # After every set, so that a run cut short keeps what it measured.
        write(all_results, args)
    print_tables(all_results, args)
    write(all_results, args)


def write(all_results, args):
    common.write_results(
        "suite",
        {
            "config": {
                "split": args.split,
                "seeds": args.seeds,
                "quick": args.quick,
                "n_train": args.n_train,
                "n_test": args.n_test,
                "ours": "make_multilabel_ensemble(random_state=seed)"
                if args.ensemble
                else "make_pipeline(SequenceVectorizer(**vectorizer_params), "
                "TextCNNClassifier(random_state=seed, **params))",
                "params": json.loads(args.params),
                "vectorizer_params": json.loads(args.vectorizer_params),
                "estimator": args.estimator,
                "old_defaults": OLD_DEFAULTS,
                "references": {name: label for name, (label, _, _) in LINEAR.items()},
            },
            "results": all_results,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
