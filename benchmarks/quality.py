"""Quality: the default pipeline against the linear TF-IDF baselines, fitted in the same run.

Single-label sets score accuracy and macro-F1, multi-label sets micro-F1 and macro-F1
(zero_division=0); a ratio is ours (mean over the seeds) over the best linear model on that
score. --split test (default) trains on the train split and scores the test split: the final
figure, looked at once. --split validation scores the dev split where the set has one, else 20%
of the train split held out (stratified): the split for choosing settings.
"""

import importlib
import json
import sys

import numpy as np

from benchmarks import _common as common

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
CURVE_SETS, CURVE_SIZES = ["sst2", "trec"], [100, 200, 500, 1000, 2000]
CURVE_LINEAR = ["bigram_logreg_c10", "bigram_linearsvc"]


def suite(args):
    """every set: ours over --seeds (default 0) against the four LINEAR models (issue 22).

    Sets: SST-2, TREC, SemEval-2018 E-c, 20 Newsgroups (../shared/data/suite/) and Reuters
    ModApte-90. Ours: make_pipeline(SequenceVectorizer(**vectorizer_params),
    TextCNNClassifier(random_state=seed, **params)); references on the same rows, interleaved
    with ours. On Reuters also the previous defaults (OLD_DEFAULTS, the first seed), the
    reference of the fit-time ratio. --ensemble puts make_multilabel_ensemble(random_state=seed)
    in the place of ours (multi-label sets only, no old defaults). --scored-words simulates
    Kim's vocabulary, built from every split: the words of the scored split that no training
    document has and GloVe has are given to the vectorizer ahead of the training words
    (``vocabulary=..., extend_vocabulary=True``), so they keep their GloVe rows, never trained,
    instead of the out-of-vocabulary id (see ``scored_only_glove_words``).
    """
    args.seeds, args.sets = args.seeds or [0], args.sets or list(common.SETS)
    if args.ensemble and set(args.sets) - common.MULTILABEL_SETS:
        sys.exit(f"--ensemble takes only the multi-label sets {sorted(common.MULTILABEL_SETS)}")
    args.no_old = args.no_old or args.ensemble
    make_ours = ours_factory(args)
    all_results = {}
    for name in args.sets:
        all_results[name] = run_set(name, args, make_ours)
        write_suite(all_results, args)  # after every set, so that a run cut short keeps it
    print_tables(all_results, args)
    write_suite(all_results, args)


def evaluate(pipeline, train, y_train, scored, y_scored, multilabel):
    _, fit_s = common.timed(pipeline.fit, train, y_train)
    y_pred, predict_s = common.timed(pipeline.predict, scored)
    result = {
        **common.scores(y_scored, y_pred, multilabel),
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
    """``make(seed, old=False)`` building our pipeline, from ``--estimator`` and the params."""
    from sklearn.pipeline import make_pipeline

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier, make_multilabel_ensemble

    if args.ensemble:
        return lambda seed: make_multilabel_ensemble(random_state=seed)
    estimator = TextCNNClassifier
    if args.estimator:
        module, _, attribute = args.estimator.partition(":")
        estimator = getattr(importlib.import_module(module), attribute)
    params, vectorizer_params = json.loads(args.params), json.loads(args.vectorizer_params)

    def make(seed, old=False, scored_words=None):
        if old:
            return make_pipeline(
                SequenceVectorizer(), TextCNNClassifier(random_state=seed, **OLD_DEFAULTS)
            )
        words = {"vocabulary": scored_words, "extend_vocabulary": True} if scored_words else {}
        return make_pipeline(
            SequenceVectorizer(**{**vectorizer_params, **words}),
            estimator(random_state=seed, **params),
        )

    return make


def run_set(name, args, make_ours):
    n_train, n_test = (QUICK_N_TRAIN, QUICK_N_TEST) if args.quick else (None, None)
    n_train, n_test = args.n_train or n_train, args.n_test or n_test
    data = common.load_set(name, args.split, n_train, n_test)
    train, y_train, scored, _, multilabel = data
    common.ignore_label_warnings()
    results = {"linear": {}, "ours": {}}
    linear_names = [] if args.no_linear else list(common.LINEAR)

    def linear(names):
        for linear_name in names:
            pipeline = common.linear_pipeline(linear_name, multilabel)
            results["linear"][linear_name] = evaluate(pipeline, *data)
            print(f"{name} {linear_name}: {results['linear'][linear_name]}", flush=True)

    # Interleaved: half the linear models, the seeds of ours, the other half (and old defaults).
    linear(linear_names[:2])
    # Rows spread over the split: some sets are sorted by class, and the warm-up needs two.
    spread = np.random.default_rng(0).permutation(len(train))[:64]
    common.warm_up([train[i] for i in spread], y_train[spread])
    words = scored_only_glove_words(train, scored) if args.scored_words else None
    for seed in args.seeds:
        results["ours"][seed] = evaluate(make_ours(seed, scored_words=words), *data)
        print(f"{name} ours seed {seed}: {results['ours'][seed]}", flush=True)
    linear(linear_names[2:])
    if name == "reuters" and not args.no_old:
        results["old_defaults"] = evaluate(make_ours(args.seeds[0], old=True), *data)
        print(f"{name} old defaults: {results['old_defaults']}", flush=True)
    results.update(summarize(results))
    results.update(multilabel=multilabel, n_train=len(train), n_scored=len(scored))
    return results


def scored_only_glove_words(train, scored):
    """Words of the scored documents that no training document has and GloVe 6B 50d has."""
    from sk_textcnn import SequenceVectorizer
    from sk_textcnn._glove import glove_vectors

    seen = SequenceVectorizer().fit(train).vocabulary_
    words = sorted(set(SequenceVectorizer().fit(scored).vocabulary_) - set(seen))
    found, _ = glove_vectors(words)
    return [word for word, has_vector in zip(words, found, strict=True) if has_vector]


def summarize(results):
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


def pair(scores, key="primary"):
    """A cell "score 1 / macro-F1"."""
    return f"{scores[key]:.3f} / {scores['macro_f1']:.3f}"


def print_tables(all_results, args):
    seeds = ", ".join(map(str, args.seeds))
    print(
        f"\nSuite, {args.split} split; ours: seeds {seeds} (mean / min); "
        "single-label: accuracy / macro-F1, multi-label: micro-F1 / macro-F1\n"
    )
    rows = []
    for name, r in all_results.items():
        best, mean, ratio = r.get("best_linear"), r["ours_mean"], r.get("ratio_to_best_linear")
        rows.append(
            [
                name,
                "multi-label" if r["multilabel"] else "single-label",
                f"{r['n_train']:,} / {r['n_scored']:,}",
                f"{best['primary']['score']:.3f} / {best['macro_f1']['score']:.3f}"
                if best
                else "-",
                pair(mean),
                pair(r["ours_min"]),
                f"{ratio['primary']:.3f} / {ratio['macro_f1']:.3f}" if ratio else "-",
                mean["fit_seconds"],
                best["primary"]["fit_seconds"] if best else None,
            ]
        )
    headers = "set | kind | train / scored | best linear | ours mean | ours min"
    print(common.table(f"{headers} | ours / best linear | ours fit s | best linear fit s", rows))
    print("\nEvery model (score 1 = accuracy or micro-F1):\n")
    rows = []
    for name, r in all_results.items():
        for linear_name, lr in r["linear"].items():
            label = common.LINEAR[linear_name][0]
            rows.append([name, label, lr["primary"], lr["macro_f1"], lr["fit_seconds"]])
        for seed, o in r["ours"].items():
            # An ensemble records no single network's epochs.
            run = (
                f" ({o['epochs_run']} epochs, best {o['best_epoch']}, length {o['max_length']})"
                if "epochs_run" in o
                else ""
            )
            rows.append([name, f"ours, seed {seed}{run}", *rows_of(o)])
        if "old_defaults" in r:
            rows.append(
                [name, "old defaults " + json.dumps(OLD_DEFAULTS), *rows_of(r["old_defaults"])]
            )
    print(common.table("set | model | score 1 | macro-F1 | fit s", rows))
    for name, r in all_results.items():
        if "fit_seconds_ratio_to_old_defaults" in r:
            ratio = r["fit_seconds_ratio_to_old_defaults"]
            print(f"\n{name}: fit seconds of ours (mean) / old defaults = {ratio:.2f}")


def rows_of(result):
    return [result["primary"], result["macro_f1"], result["fit_seconds"]]


def write_suite(all_results, args):
    ours = (
        "make_multilabel_ensemble(random_state=seed)"
        if args.ensemble
        else "make_pipeline(SequenceVectorizer(**vectorizer_params), "
        "TextCNNClassifier(random_state=seed, **params))"
    )
    config = {
        "split": args.split,
        "seeds": args.seeds,
        "quick": args.quick,
        "n_train": args.n_train,
        "n_test": args.n_test,
        "ours": ours,
        "params": json.loads(args.params),
        "vectorizer_params": json.loads(args.vectorizer_params),
        "estimator": args.estimator,
        "old_defaults": OLD_DEFAULTS,
        "references": {name: label for name, (label, _, _) in common.LINEAR.items()},
    }
    common.write_results(args, {"config": config, "results": all_results})


def learning_curve(args):
    """SST-2 and TREC training subsets of --sizes, --seeds 0-4 each, against two linear models.

    The seed draws the subset and is ours' random_state; scored on the test split or (--split
    validation) on 20% of the train split held out before subsets are drawn. References on the
    same subsets (issue 23): TF-IDF(sublinear_tf=True, ngram_range=(1, 2)) +
    LogisticRegression(C=10) and + LinearSVC(). A fit is counted constant when it predicts one
    class for every scored document.
    """
    args.sets, args.seeds = args.sets or CURVE_SETS, args.seeds or [0, 1, 2, 3, 4]
    args.sizes = args.sizes or CURVE_SIZES
    from sklearn.model_selection import train_test_split

    if set(args.sets) - set(CURVE_SETS):
        sys.exit(f"the learning curve takes the sets {CURVE_SETS}")
    if args.quick:
        args.sizes, args.seeds = [100, 500], [0]
    params = json.loads(args.params)
    results = {}
    for name in args.sets:
        train, y_train, scored, y_scored, _ = common.load_set(name, "test")
        if args.split == "validation":  # 20% held out on both sets: SST-2's dev split unused
            train, scored, y_train, y_scored = train_test_split(
                train, y_train, test_size=0.2, random_state=0, stratify=y_train
            )
        data = train, y_train, scored, y_scored
        for size in args.sizes:
            key = f"{name}/{size}"
            results[key] = [curve_point(key, size, seed, data, params) for seed in args.seeds]
    rows = []
    for key, runs in results.items():
        mean = {
            model: {m: float(np.mean([r[model][m] for r in runs])) for m in ("primary", "macro_f1")}
            for model in runs[0]
        }
        best_linear = max(mean[linear]["primary"] for linear in CURVE_LINEAR)
        rows.append(
            [
                key,
                *(pair(mean[model]) for model in runs[0]),
                f"{mean['ours']['primary'] - best_linear:+.3f}",
                sum(r["ours"]["constant"] for r in runs),
            ]
        )
    print(
        f"\nAccuracy / macro-F1, mean of seeds {args.seeds}, {args.split} split, params {params}\n"
    )
    headers = " | ".join(["set/size", "ours", *CURVE_LINEAR])
    print(common.table(f"{headers} | ours - best linear | constant fits of ours", rows))
    config = {k: vars(args)[k] for k in ("sets", "sizes", "seeds", "split", "params", "quick")}
    common.write_results(args, {"config": config, "results": results})


def curve_point(key, size, seed, data, params):
    from sklearn.pipeline import make_pipeline

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier

    train, y_train, scored, y_scored = data
    order = np.random.default_rng(seed).permutation(len(train))[:size]
    texts, y = [train[i] for i in order], y_train[order]
    ours = make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=seed, **params))
    models = {"ours": ours}
    models.update({name: common.linear_pipeline(name, bigram_min_df=1) for name in CURVE_LINEAR})
    row = {}
    for name, model in models.items():
        _, fit_s = common.timed(model.fit, texts, y)
        predicted = model.predict(scored)
        row[name] = {
            **common.scores(y_scored, predicted, multilabel=False),
            "constant": bool(len(np.unique(predicted)) == 1),
            "fit_seconds": fit_s,
        }
    print(f"{key} seed={seed}: {json.dumps(row)}", flush=True)
    return row


def options(p):
    p.add_argument("--sets", nargs="+", choices=list(common.SETS), help="default: the mode's")
    p.add_argument("--seeds", type=int, nargs="+", help="random_state of ours (suite: 0)")
    p.add_argument("--split", choices=["test", "validation"], default="test")
    p.add_argument("--params", default="{}", help="JSON of TextCNNClassifier parameters")
    p.add_argument("--vectorizer-params", default="{}", help="suite: JSON of SequenceVectorizer's")
    p.add_argument("--estimator", help="suite: module:Class instead of TextCNNClassifier")
    p.add_argument("--ensemble", action="store_true", help="suite: see the mode")
    p.add_argument("--scored-words", action="store_true", help="suite: see the mode")
    p.add_argument("--no-linear", action="store_true", help="suite: skip the linear references")
    p.add_argument("--no-old", action="store_true", help="suite: skip the old defaults")
    p.add_argument("--n-train", type=int, help="suite: subsample the training rows")
    p.add_argument("--n-test", type=int, help="suite: subsample the scored rows")
    p.add_argument("--sizes", type=int, nargs="+", help="learning-curve: training set sizes")


MODES = {"suite": suite, "learning-curve": learning_curve}

if __name__ == "__main__":
    common.harness("quality", __doc__, MODES, options)
