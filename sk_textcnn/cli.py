"""The ``sk-textcnn`` command: train, evaluate, predict and explain text classifiers from the shell.

``sk-textcnn train DATA --model OUT`` fits ``SequenceVectorizer() -> TextCNNClassifier()`` (or,
with ``--recommended``, :func:`~sk_textcnn.make_multilabel_ensemble`) and saves it to exactly
the path given, with :func:`sk_textcnn.save` (a skops file, which runs no code when opened), as a
dict: ``{"format": "sk-textcnn model", "model": <the fitted estimator>, "labels": [names],
"multilabel": bool, ...}``, so ``sk_textcnn.load(OUT)["model"]`` is an ordinary scikit-learn
estimator. ``evaluate``, ``predict`` and ``explain`` read such files, and with ``--allow-pickle``
also the joblib pickles that earlier versions wrote.
``labels`` names the model's outputs: the classes for one label per document, the indicator
columns for multi-label models. Every bad input ends the command with status 2 and one line on
stderr naming the file, line, column or parameter.
"""

import argparse
import json
import os
import sys
import warnings
import zipfile
from contextlib import contextmanager, nullcontext
from itertools import islice
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer

from sk_textcnn import SequenceVectorizer, TextCNNClassifier, load, make_multilabel_ensemble, save
from sk_textcnn._atomic import replaced_on_success
from sk_textcnn._text_data import FORMATS, STDIN, DataError, iter_documents, read_labelled
from sk_textcnn._version import __version__

__all__ = ["main"]

PROG = "sk-textcnn"
MODEL_FORMAT = "sk-textcnn model"
# predict reads, predicts and writes this many documents at a time, so memory stays bounded
# however long the input is.
PREDICT_CHUNK = 1000
PLOT_FILES = ("history.png", "label_f1.png", "thresholds.png")


class CommandError(Exception):
    """A problem with the command's input, reported as one line and exit status 2."""


# ---------------------------------------------------------------------------- --set values


def parse_value(text):
    """A ``--set`` value: int, float, bool, None, a comma list (tuple) of those, or the string.

    >>> parse_value("5"), parse_value("0.5"), parse_value("True"), parse_value("none")
    (5, 0.5, True, None)
    >>> parse_value("3,4,5"), parse_value("3,"), parse_value("adam")
    ((3, 4, 5), (3,), 'adam')
    """
    if "," in text:
        return tuple(parse_value(part) for part in text.split(",") if part.strip())
    text = text.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if text.lower() == "none":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _setting(text):
    """argparse type of ``--set``: ``name=value`` to ``(name, parsed value)``."""
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        raise argparse.ArgumentTypeError(f"expected name=value, got {text!r}")
    return name.strip(), parse_value(value)


def _apply_settings(model, classifier, settings):
    """Set ``--set`` parameters and check them with the estimators' own constraints.

    A plain name is the classifier's parameter, else the whole model's; ``a__b`` names reach
    nested estimators as in ``set_params``.
    """
    for name, value in settings:
        if "__" not in name and name in classifier.get_params(deep=False):
            classifier.set_params(**{name: value})
        elif name in model.get_params(deep=True):
            model.set_params(**{name: value})
        else:
            known = ", ".join(sorted(classifier.get_params(deep=False)))
            raise CommandError(
                f"--set {name}: unknown parameter; {type(classifier).__name__} takes {known} "
                "(nested parameters as step__name)."
            )
    estimators = [model, *model.get_params(deep=True).values()]
    for estimator in estimators:
        if hasattr(type(estimator), "_parameter_constraints") and hasattr(
            estimator, "_validate_params"
        ):
            try:
                estimator._validate_params()
            except ValueError as error:  # InvalidParameterError names the parameter
                raise CommandError(f"--set: {error}") from None


# ---------------------------------------------------------------------------- files


def _check_folder_of(path):
    """Refuse an output path whose folder is missing, or that is a folder, before any work."""
    if path is None:
        return
    if not Path(path).parent.is_dir():
        raise CommandError(f"{path}: folder {Path(path).parent} does not exist.")
    if Path(path).is_dir():
        raise CommandError(f"{path} is a folder; give the path of a file to write.")


@contextmanager
def _atomic_file(path, mode="w"):
    """An open temporary file beside ``path``, renamed to ``path`` only once fully written."""
    _check_folder_of(path)
    with (
        replaced_on_success(path) as temporary,
        open(temporary, mode, encoding=None if "b" in mode else "utf-8") as handle,
    ):
        yield handle


def _save_model(path, model, labels, multilabel):
    saved = {
        "format": MODEL_FORMAT,
        "sk_textcnn_version": __version__,
        "model": model,
        "labels": [str(label) for label in labels],
        "multilabel": bool(multilabel),
    }
    with _atomic_file(path, "wb") as handle:
        save(saved, handle)


def _load_model(path, allow_pickle):
    """The dict ``_save_model`` wrote; with ``allow_pickle`` also from a pickle (joblib) file."""
    if not Path(path).is_file():
        raise CommandError(f"{path}: no such model file.")
    # A skops file is a zip archive; anything else is unpickled only when allowed.
    if allow_pickle and not zipfile.is_zipfile(path):
        try:
            saved = joblib.load(path)
        except Exception as error:  # unpickling foreign bytes can raise anything
            raise CommandError(
                f"{path}: not an sk-textcnn model ({type(error).__name__} while loading it)."
            ) from None
    else:
        try:
            saved = load(path)
        except ValueError as error:  # load's messages name the file and what it holds
            hint = "" if zipfile.is_zipfile(path) else " --allow-pickle opens a pickle you trust."
            raise CommandError(f"{error}{hint}") from None
    if not isinstance(saved, dict) or saved.get("format") != MODEL_FORMAT:
        raise CommandError(
            f"{path}: not an sk-textcnn model (a model file, but not one written by "
            f"'{PROG} train')."
        )
    return saved


def _reader_options(args):
    return {
        "format": args.format,
        "text_column": args.text_column,
        "label_column": getattr(args, "label_column", None),
        "label_sep": getattr(args, "label_sep", None),
    }


# ---------------------------------------------------------------------------- train


def _terminal_verbosity(quiet):
    """Per-epoch progress on a terminal unless ``--quiet``; none into files and pipes."""
    if quiet:
        return 0
    return int(sys.stdout.isatty() or sys.stderr.isatty())


def _model_name(model):
    return type(model[-1] if isinstance(model, Pipeline) else model).__name__


def _build_model(recommended, seed):
    """The model to train and the TextCNNClassifier inside it that plain --set names reach."""
    if recommended:
        model = make_multilabel_ensemble(random_state=seed)
        return model, model.get_params()["estimator__cnn"][-1]
    pipeline = make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=seed))
    return pipeline, pipeline[-1]


def _train(args):
    _check_folder_of(args.model)
    model, classifier = _build_model(args.recommended, args.seed)
    _apply_settings(model, classifier, args.set)
    if "verbose" not in dict(args.set):
        classifier.set_params(verbose=_terminal_verbosity(args.quiet))
    texts, label_lists = read_labelled(args.data, **_reader_options(args))
    multilabel = args.multilabel or any(len(labels) != 1 for labels in label_lists)
    if args.recommended and not multilabel:
        raise CommandError(
            f"{args.data}: --recommended builds a multi-label model, but every document has "
            "one label; add --multilabel to train it anyway."
        )
    if multilabel:
        binarizer = MultiLabelBinarizer()
        y = binarizer.fit_transform(label_lists)
        if y.shape[1] == 0:
            raise CommandError(f"{args.data}: no document has a label.")
    else:
        y = np.array([labels[0] for labels in label_lists])
    try:
        model.fit(texts, y)
    except (ValueError, TypeError) as error:  # the estimators' own messages name the problem
        raise CommandError(f"training on {args.data} failed: {error}") from None
    labels = binarizer.classes_ if multilabel else model.classes_
    _save_model(args.model, model, labels, multilabel)
    if not args.quiet:
        kind = "multi-label" if multilabel else "single-label"
        print(
            f"{PROG}: trained {_model_name(model)} on {len(texts)} documents, {len(labels)} "
            f"labels ({kind}); saved {args.model}",
            file=sys.stderr,
        )
    return 0


# ---------------------------------------------------------------------------- evaluate


def _check_one_label_each(label_lists, data):
    for number, labels in enumerate(label_lists, start=1):
        if len(labels) != 1:
            raise CommandError(
                f"{data}: document {number} has {len(labels)} labels, but the model gives one "
                "label per document."
            )


def _scores(y_true, y_pred, all_labels, multilabel):
    """Summary metrics and per-label precision, recall, F1 and support."""
    if multilabel:
        precision, recall, f1, support = precision_recall_fscore_support(
            y_true, y_pred, zero_division=0
        )
        predicted = np.asarray(y_pred.sum(axis=0)).ravel()
        summary = {"micro_f1": f1_score(y_true, y_pred, average="micro", zero_division=0)}
    else:
        precision, recall, f1, support = precision_recall_fscore_support(
            y_true, y_pred, labels=all_labels, zero_division=0
        )
        predicted = np.array([np.sum(y_pred == label) for label in all_labels])
        summary = {"accuracy": accuracy_score(y_true, y_pred)}
    # Labels neither in the data nor predicted have no F1 to speak of.
    present = (support > 0) | (predicted > 0)
    summary["macro_f1"] = float(f1[present].mean()) if present.any() else 0.0
    rows = [
        {
            "label": label,
            "precision": float(p),
            "recall": float(r),
            "f1": float(f),
            "support": int(s),
        }
        for label, p, r, f, s in zip(all_labels, precision, recall, f1, support, strict=True)
    ]
    return {key: float(value) for key, value in summary.items()}, rows, int(present.sum())


def _print_report(n_documents, summary, rows, n_macro):
    print(f"{n_documents} documents, {len(rows)} labels")
    for key, title in (("accuracy", "accuracy"), ("micro_f1", "micro-F1")):
        if key in summary:
            print(f"{title:<9} {summary[key]:.4f}")
    print(
        f"{'macro-F1':<9} {summary['macro_f1']:.4f}  (over the {n_macro} labels in the data or "
        "predicted)"
    )
    print()
    width = max(5, *(len(row["label"]) for row in rows))
    print(f"{'label':<{width}}  precision  recall      F1  support")
    for row in rows:
        print(
            f"{row['label']:<{width}}  {row['precision']:9.4f}  {row['recall']:6.4f}  "
            f"{row['f1']:6.4f}  {row['support']:7d}"
        )


def _pyplot():
    """matplotlib's pyplot on the file-only Agg backend, or a one-line error."""
    try:
        import matplotlib
    except ImportError:
        raise CommandError("--plots needs matplotlib: pip install 'sk-textcnn[plot]'.") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _write_plots(folder, model, texts, y_true, y_pred, all_labels, saved, data):
    """history.png, label_f1.png and, for binary and multi-label models, thresholds.png."""
    from sk_textcnn.plotting import HistoryDisplay, LabelF1Display, ThresholdDisplay

    plt = _pyplot()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = saved["labels"]

    def save(figure, filename):
        with _atomic_file(folder / filename, "wb") as handle:
            figure.savefig(handle, format="png", dpi=100, bbox_inches="tight")
        plt.close(figure)

    figure, ax = plt.subplots(figsize=(6.4, 4.2))
    HistoryDisplay.from_estimator(model, ax=ax)
    save(figure, "history.png")

    figure, ax = plt.subplots(figsize=(max(6.4, 1.5 + 0.13 * len(all_labels)), 4.2))
    LabelF1Display.from_predictions(
        y_true,
        y_pred,
        label_names=all_labels,
        ax=ax,
        name=f"{_model_name(model)} on {Path(data).name} ({len(texts)} documents)",
    )
    save(figure, "label_f1.png")

    if saved["multilabel"]:
        y_known = y_true[:, : len(names)]
    elif len(names) == 2:
        y_known = y_true
    else:
        print(
            f"{PROG}: note: thresholds.png is drawn for binary and multi-label models only",
            file=sys.stderr,
        )
        return
    figure, ax = plt.subplots(figsize=(6.4, 4.2))
    ThresholdDisplay.from_estimator(
        model, texts, y_known, label_names=names if saved["multilabel"] else None, ax=ax
    )
    save(figure, "thresholds.png")


def _evaluate(args):
    saved = _load_model(args.model, args.allow_pickle)
    _check_folder_of(args.json)
    if args.plots is not None:
        _pyplot()  # fail before predicting when matplotlib is missing
    texts, label_lists = read_labelled(args.data, **_reader_options(args))
    model, names, multilabel = saved["model"], saved["labels"], saved["multilabel"]
    if not multilabel:
        _check_one_label_each(label_lists, args.data)
    known = set(names)
    unseen = sorted({label for labels in label_lists for label in labels} - known)
    if unseen:
        documents = sum(any(label not in known for label in labels) for labels in label_lists)
        print(
            f"{PROG}: warning: {len(unseen)} labels in {args.data} that the model never saw, "
            f"counted as misses ({documents} documents): {', '.join(unseen)}",
            file=sys.stderr,
        )
    all_labels = [*names, *unseen]
    try:
        predictions = model.predict(texts)
    except (ValueError, TypeError) as error:
        raise CommandError(f"predicting {args.data} failed: {error}") from None
    if multilabel:
        y_true = MultiLabelBinarizer(classes=all_labels).fit_transform(label_lists)
        predictions = predictions.toarray() if sp.issparse(predictions) else predictions
        y_pred = np.zeros_like(y_true)
        y_pred[:, : len(names)] = predictions
    else:
        y_true = np.array([labels[0] for labels in label_lists])
        y_pred = np.asarray(predictions).astype(str)
    summary, rows, n_macro = _scores(y_true, y_pred, all_labels, multilabel)
    _print_report(len(texts), summary, rows, n_macro)
    if args.json is not None:
        report = {
            "model": str(args.model),
            "data": str(args.data),
            "documents": len(texts),
            "metrics": summary,
            "macro_f1_labels": n_macro,
            "unseen_labels": unseen,
            "labels": rows,
        }
        with _atomic_file(args.json) as handle:
            json.dump(report, handle, indent=2)
            handle.write("\n")
    if args.plots is not None:
        _write_plots(args.plots, model, texts, y_true, y_pred, all_labels, saved, args.data)
    return 0


# ---------------------------------------------------------------------------- predict


def _chunks(items, size):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _prediction_records(saved, texts, with_proba):
    """One dict per document: its label names, and with ``with_proba`` their probabilities."""
    model, names = saved["model"], saved["labels"]
    predictions = model.predict(texts)
    if saved["multilabel"]:
        predictions = predictions.toarray() if sp.issparse(predictions) else predictions
        label_rows = [[names[j] for j in np.flatnonzero(row)] for row in predictions]
    else:
        label_rows = [[str(label)] for label in predictions]
    if not with_proba:
        return [{"labels": labels} for labels in label_rows]
    proba = model.predict_proba(texts)
    return [
        {
            "labels": labels,
            "proba": {name: round(float(p), 6) for name, p in zip(names, row, strict=True)},
        }
        for labels, row in zip(label_rows, proba, strict=True)
    ]


def _predict(args):
    saved = _load_model(args.model, args.allow_pickle)
    documents = iter_documents(args.data, with_labels=False, **_reader_options(args))
    output = nullcontext(sys.stdout) if args.out is None else _atomic_file(args.out)
    with output as handle:
        count = 0
        for texts in _chunks((text for text, _ in documents), PREDICT_CHUNK):
            try:
                records = _prediction_records(saved, texts, args.proba)
            except (ValueError, TypeError) as error:
                raise CommandError(f"predicting {args.data} failed: {error}") from None
            handle.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
            handle.flush()
            count += len(texts)
        if not count:
            raise CommandError(f"{'<stdin>' if args.data == STDIN else args.data}: no documents.")
    return 0


# ---------------------------------------------------------------------------- explain


def _explain(args):
    # Imported here: only this command needs it.
    from sk_textcnn.explanations import explain

    saved = _load_model(args.model, args.allow_pickle)
    model = saved["model"]
    if not isinstance(model, Pipeline):
        # make_multilabel_ensemble(): its network is what can be explained exactly.
        model = model.estimator_.named_estimators_["cnn"]
        print(
            f"{PROG}: note: explaining the ensemble's network; the ensemble's decisions also "
            "weigh its linear model and its own thresholds",
            file=sys.stderr,
        )
    labels = "all" if args.all_labels else (args.label or "predicted")
    try:
        results = explain(
            model, args.text, labels=labels, top_k=args.top_k, label_names=saved["labels"]
        )
    except (ValueError, TypeError) as error:
        raise CommandError(f"explain failed: {error}") from None
    print("\n\n".join(str(result) for result in results))
    return 0


# ---------------------------------------------------------------------------- parser


class _Parser(argparse.ArgumentParser):
    """argparse, reporting a usage error in one line like every other error of the command."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _add_reader_options(parser, *, labels):
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="format of DATA; default: told by its suffix (.jsonl .csv .tsv .txt, optionally "
        ".gz), JSON lines on stdin",
    )
    parser.add_argument(
        "--text-column",
        default="text",
        metavar="NAME",
        help="JSON field or CSV/TSV column of the text (text)",
    )
    if labels:
        parser.add_argument(
            "--label-column",
            metavar="NAME",
            help="JSON field or CSV/TSV column of the labels (default: labels, else label)",
        )
        parser.add_argument("--label-sep", help="separator of several labels in one cell, e.g. '|'")


def _add_allow_pickle(parser):
    parser.add_argument(
        "--allow-pickle",
        action="store_true",
        help="also open MODEL if it is a pickle (joblib), as earlier versions saved; a pickle "
        "runs code when opened, so only for files you trust",
    )


def build_parser():
    """The argument parser of ``sk-textcnn``."""
    data_help = (
        'JSON lines ({"text": ..., "labels": [...]} or "label": ...), CSV/TSV with a header, '
        "or a folder with one sub-folder of documents per label"
    )
    parser = _Parser(
        prog=PROG,
        description="Train, evaluate and apply convolutional text classifiers.",
        epilog=f"'{PROG} COMMAND --help' describes each command.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="fit a model on labelled documents and save it",
        description="Fit SequenceVectorizer -> TextCNNClassifier (or, with --recommended, "
        "make_multilabel_ensemble()) and save it to OUT as given, as a skops file "
        "(sk_textcnn.save), which runs no code when opened. Multi-label is detected from the "
        "data: any document with other than one label.",
        epilog=f"example: {PROG} train train.jsonl --model model.skops --set epochs=5 "
        "--set filter_sizes=3,4,5",
    )
    train.add_argument("data", metavar="DATA", help=data_help)
    train.add_argument("--model", required=True, metavar="OUT", help="file to save the model to")
    train.add_argument("--multilabel", action="store_true", help="train a multi-label model")
    train.add_argument(
        "--recommended",
        action="store_true",
        help="train make_multilabel_ensemble() (multi-label; cv + 1 fits of two models)",
    )
    train.add_argument(
        "--set",
        type=_setting,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a TextCNNClassifier parameter, e.g. epochs=5 or filter_sizes=3,4,5 (repeatable); "
        "other names go to the whole model, e.g. sequencevectorizer__min_df=2, or cv=3 with "
        "--recommended",
    )
    train.add_argument("--seed", type=int, metavar="INT", help="random_state of the model")
    train.add_argument("--quiet", action="store_true", help="print nothing while training")
    _add_reader_options(train, labels=True)
    train.set_defaults(run=_train)

    evaluate = commands.add_parser(
        "evaluate",
        help="score a saved model on labelled documents",
        description="Print accuracy (one label per document) or micro-F1 (multi-label), "
        "macro-F1 and per-label precision, recall, F1 and support. Labels the model never saw "
        "count as misses.",
    )
    evaluate.add_argument("model", metavar="MODEL", help=f"a model saved by '{PROG} train'")
    evaluate.add_argument("data", metavar="DATA", help=data_help)
    evaluate.add_argument("--json", metavar="OUT", help="also write the scores to this JSON file")
    evaluate.add_argument(
        "--plots",
        metavar="DIR",
        help=f"write {', '.join(PLOT_FILES)} to this folder (needs matplotlib)",
    )
    _add_reader_options(evaluate, labels=True)
    _add_allow_pickle(evaluate)
    evaluate.set_defaults(run=_evaluate)

    predict = commands.add_parser(
        "predict",
        help="label documents with a saved model, one JSON line each",
        description='Write one JSON line per document: {"labels": [...]}, with --proba also '
        f'"proba": {{label: probability}}. Works {PREDICT_CHUNK} documents at a time.',
    )
    predict.add_argument("model", metavar="MODEL", help=f"a model saved by '{PROG} train'")
    predict.add_argument(
        "data",
        metavar="DATA",
        help="JSON lines, CSV/TSV, plain text (one document per line) or a folder; - for stdin",
    )
    predict.add_argument("--proba", action="store_true", help="add every label's probability")
    predict.add_argument("--out", metavar="FILE", help="write here instead of to stdout")
    _add_reader_options(predict, labels=False)
    _add_allow_pickle(predict)
    predict.set_defaults(run=_predict)

    explain = commands.add_parser(
        "explain",
        help="show the words behind a saved model's decisions",
        description="For each TEXT, the n-grams behind each label's score and their exact "
        "contributions (sk_textcnn.explain).",
    )
    explain.add_argument("model", metavar="MODEL", help=f"a model saved by '{PROG} train'")
    explain.add_argument("text", metavar="TEXT", nargs="+", help="documents to explain")
    chosen = explain.add_mutually_exclusive_group()
    chosen.add_argument(
        "--label",
        action="append",
        metavar="NAME",
        help="explain this label (repeatable; default: the predicted labels)",
    )
    chosen.add_argument("--all-labels", action="store_true", help="explain every label")
    explain.add_argument(
        "--top-k", type=int, default=5, metavar="K", help="n-grams shown per label (5)"
    )
    _add_allow_pickle(explain)
    explain.set_defaults(run=_explain)
    return parser


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    text = " ".join(str(message).split())
    print(f"{PROG}: warning: {text}", file=sys.stderr)


def main(argv=None):
    """Run ``sk-textcnn`` with ``argv`` (default: the process's arguments); return its status."""
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        try:
            return args.run(args)
        except (CommandError, DataError) as error:
            message = str(error)
        except BrokenPipeError:
            # The reader of stdout went away (e.g. "| head"): stop quietly, and keep Python
            # from complaining when it flushes stdout at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        except OSError as error:
            message = f"{error.filename or ''}: {error.strerror or error}".lstrip(": ")
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)
    return 2
