"""Scale-out: the recommended ensemble and a grid search, one job against two and a Dask cluster.

Two workloads on Reuters ModApte-90: the README's recommended model
(``make_multilabel_ensemble(random_state=0)``: 5 cross-fitting folds and a final fit, each of
a CNN and a TF-IDF linear model) and ``GridSearchCV`` of the default CNN pipeline over 4
candidates (learning rate x filters) and 3 folds, scored by micro-F1. Each runs three ways:
``n_jobs=1`` in this process (the reference), ``n_jobs=2`` on joblib's default (loky) backend,
and ``n_jobs=-1`` under ``joblib.parallel_config(backend="dask")`` on a
``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``. Workers are started and
import sk_textcnn (and so TensorFlow) before the timings; that start-up is reported apart. Also
reported: how far each parallel run's results are from the reference (thresholds, test
probabilities, test micro-/macro-F1, grid scores), since a worker runs fewer TensorFlow threads
and so sums floats in another order.

What 2 cores can show: whether two workers of one TensorFlow thread each beat one process of
two threads (a ratio below 1), and by how much (0.5 at best). What they cannot: scaling past two
workers (the ensemble has 6 independent fits, so up to 6 cores help it; the grid search has 12),
the cost of a real network between scheduler and workers, or stable absolute times on a shared
machine (see the load average in the JSON). Dask without the extra installed: its rows are left
out.
"""

import time
from contextlib import nullcontext

import numpy as np
from joblib import Parallel, delayed, parallel_config

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/scale.py
    import _common as common

# --quick: fewer documents than the other scripts' quick mode, as this one fits 6 x 2 models and
# 12 grid-search models under each of 3 engines; epochs stay at the shared quick default (1).
QUICK_SIZES = {"n_train": 400, "n_test": 300}
GRID = {
    "textcnnclassifier__learning_rate": [1e-3, 3e-3],
    "textcnnclassifier__num_filters": [64, 128],
}


def _import_sk_textcnn():
    import sk_textcnn  # noqa: F401

    return True


def ensemble(epoch_params, n_jobs):
    from sk_textcnn import make_multilabel_ensemble

    model = make_multilabel_ensemble(random_state=0, n_jobs=n_jobs)
    cnn = "estimator__cnn__textcnnclassifier__"
    return model.set_params(**{cnn + name: value for name, value in epoch_params.items()})


def grid_search(epoch_params, n_jobs):
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier

    pipeline = make_pipeline(
        SequenceVectorizer(), TextCNNClassifier(random_state=0, **epoch_params)
    )
    return GridSearchCV(pipeline, GRID, cv=3, scoring="f1_micro", n_jobs=n_jobs, refit=False)


def run_ensemble(epoch_params, n_jobs, train, Y_train, test, Y_test):
    from sklearn.metrics import f1_score

    model, seconds = common.timed(ensemble(epoch_params, n_jobs).fit, train, Y_train)
    Y_pred = model.predict(test)
    return {
        "seconds": seconds,
        "thresholds": model.thresholds_,
        "proba": model.predict_proba(test),
        "micro_f1": f1_score(Y_test, Y_pred, average="micro", zero_division=0),
        "macro_f1": f1_score(Y_test, Y_pred, average="macro", zero_division=0),
    }


def run_grid(epoch_params, n_jobs, train, Y_train):
    search, seconds = common.timed(grid_search(epoch_params, n_jobs).fit, train, Y_train)
    return {
        "seconds": seconds,
        "mean_test_score": search.cv_results_["mean_test_score"],
        "best_params": search.best_params_,
    }


def differences(run, reference):
    """How far a parallel run's results are from the one-job run's."""
    out = {}
    for key in ("thresholds", "proba", "mean_test_score"):
        if key in run:
            out[f"max_abs_diff_{key}"] = float(np.abs(run[key] - reference[key]).max())
    for key in ("micro_f1", "macro_f1"):
        if key in run:
            out[f"diff_{key}"] = run[key] - reference[key]
    if "best_params" in run:
        out["same_best_params"] = run["best_params"] == reference["best_params"]
    return out


def start_dask():
    """A 2-worker local cluster whose workers have imported sk_textcnn, and the seconds it took."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        return None, None, None
    start = time.perf_counter()
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    client.run(_import_sk_textcnn)
    return cluster, client, time.perf_counter() - start


def main(argv=None):
    p = common.reuters_parser(__doc__.splitlines()[0])
    args = p.parse_args(argv)
    if args.quick:
        for name, size in QUICK_SIZES.items():
            setattr(args, name, getattr(args, name) or size)
    train, Y_train, test, Y_test, labels = common.reuters_data(args)
    epoch_params = common.epoch_params(args)
    common.warm_up(train, Y_train)

    # Two loky workers, started and with TensorFlow imported, reused by every n_jobs=2 run.
    _, loky_seconds = common.timed(
        Parallel(n_jobs=2), (delayed(_import_sk_textcnn)() for _ in range(2))
    )
    cluster, client, dask_seconds = start_dask()
    start_up = {"loky n_jobs=2": loky_seconds, "dask 2 workers": dask_seconds}
    print(f"worker start-up (not in the timings below), s: {start_up}", flush=True)

    engines = {"n_jobs=1": (None, 1), "n_jobs=2 (loky)": (None, 2)}
    if client is not None:
        engines["dask, 2 workers"] = ("dask", -1)
    results = {"ensemble": {}, "grid": {}}
    try:
        for workload in results:
            for engine, (backend, n_jobs) in engines.items():
                if n_jobs == 2:  # loky stops idle workers: have two ready, as timed above
                    Parallel(n_jobs=2)(delayed(_import_sk_textcnn)() for _ in range(2))
                with parallel_config(backend=backend) if backend else nullcontext():
                    if workload == "ensemble":
                        run = run_ensemble(epoch_params, n_jobs, train, Y_train, test, Y_test)
                    else:
                        run = run_grid(epoch_params, n_jobs, train, Y_train)
                results[workload][engine] = run
                print(f"{workload}, {engine}: {run['seconds']:.1f} s", flush=True)
    finally:
        if client is not None:
            client.close()
            cluster.close()

    reference = "n_jobs=1"
    rows, summary = [], {}
    for workload, runs in results.items():
        for engine, run in runs.items():
            diff = differences(run, runs[reference]) if engine != reference else {}
            ratio = run["seconds"] / runs[reference]["seconds"]
            summary.setdefault(workload, {})[engine] = {
                "seconds": run["seconds"],
                "ratio_over_one_job": ratio,
                **diff,
                **{k: v for k, v in run.items() if k in ("micro_f1", "macro_f1", "best_params")},
            }
            rows.append(
                [
                    workload,
                    engine,
                    run["seconds"],
                    ratio,
                    diff.get("max_abs_diff_proba", diff.get("max_abs_diff_mean_test_score")),
                    diff.get("max_abs_diff_thresholds"),
                ]
            )
    print(
        f"\nReuters ModApte-90: {len(train):,} train / {len(test):,} test docs, {len(labels)} "
        f"labels, epochs {epoch_params.get('epochs', 'default')}; ensemble: "
        f"make_multilabel_ensemble(random_state=0) (cv=5: 6 fits of 2 models); grid: 4 "
        f"candidates x 3 folds of the default CNN pipeline, micro-F1; reference n_jobs=1\n"
    )
    print(
        common.table(
            [
                "workload",
                "engine",
                "wall s",
                "ratio over n_jobs=1",
                "max abs diff: test proba (ensemble) or mean CV score (grid)",
                "max abs diff: thresholds",
            ],
            rows,
        )
    )
    print(
        "\n2 cores: a ratio of 0.5 is the most two workers can give; more cores would run more "
        "of the 6 ensemble fits (12 grid fits) at once, which this machine cannot show."
    )
    common.write_results(
        "scale",
        {
            "config": {
                **common.reuters_config(train, test, labels, args.epochs, args),
                "grid": GRID,
                "engines": {name: list(spec) for name, spec in engines.items()},
            },
            "worker_start_up_seconds": start_up,
            "results": summary,
            "reference": reference,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
