"""The sk-textcnn command: train, evaluate, predict, explain, and one-line errors."""

import gzip
import io
import json
import os
import subprocess
import sys

import joblib
import numpy as np
import pytest
import skops.io
from sklearn.metrics import accuracy_score, f1_score
from sklearn.preprocessing import FunctionTransformer

from sk_textcnn import cli, explain, load, save
from sk_textcnn.cli import main

from .helpers import SENTIMENT_LABELS, SENTIMENT_TEXTS

TINY = [
    "--set", "embedding_dim=8", "--set", "num_filters=8", "--set", "filter_sizes=2,3",
    "--set", "epochs=10", "--set", "learning_rate=0.01", "--seed", "0",
]  # fmt: skip
# For tests that need a trained model but not a good one.
QUICK = [*TINY, "--set", "epochs=2"]
TEXTS, LABELS = SENTIMENT_TEXTS, SENTIMENT_LABELS
# Multi-label: "film" documents also carry "cinema"; the empty-label rows are multi-label too.
TOPICS = [
    ("pos", "cinema") if "film" in text else (label,)
    for text, label in zip(TEXTS, LABELS, strict=True)
]


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def run(args, capsys):
    """``main(args)``: its status and what it printed."""
    status = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(status, err, *fragments):
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sk-textcnn")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def sentiment_data(folder):
    # Both spellings of the label field in one file.
    return write_jsonl(
        folder / "sentiment.jsonl",
        [
            {"text": text, "label": label} if i % 2 else {"text": text, "labels": [label]}
            for i, (text, label) in enumerate(zip(TEXTS, LABELS, strict=True))
        ],
    )


@pytest.fixture(scope="module")
def topics_data(folder):
    return write_jsonl(
        folder / "topics.jsonl",
        [
            {"text": text, "labels": list(labels)}
            for text, labels in zip(TEXTS, TOPICS, strict=True)
        ],
    )


@pytest.fixture(scope="module")
def sentiment_model(folder, sentiment_data):
    path = folder / "sentiment.skops"
    assert main(["train", str(sentiment_data), "--model", str(path), "--quiet", *TINY]) == 0
    return path


@pytest.fixture(scope="module")
def topics_model(folder, topics_data):
    path = folder / "topics.skops"
    assert main(["train", str(topics_data), "--model", str(path), "--quiet", *TINY]) == 0
    return path


def predictions(out):
    return [json.loads(line) for line in out.splitlines()]


# ---------------------------------------------------------------------------- train


def test_train_saves_a_pipeline_that_remembers_its_labels(sentiment_model):
    saved = load(sentiment_model)
    assert saved["format"] == "sk-textcnn model"
    assert saved["labels"] == ["neg", "pos"]
    assert saved["multilabel"] is False
    classifier = saved["model"][-1]
    assert (classifier.num_filters, classifier.filter_sizes, classifier.epochs) == (8, (2, 3), 10)
    assert classifier.random_state == 0
    assert saved["model"].predict(["good movie", "awful movie"]).tolist() == ["pos", "neg"]


def test_train_writes_a_skops_file_at_exactly_the_path_given(folder, sentiment_data, capsys):
    path = folder / "model.bin"
    assert run(["train", sentiment_data, "--model", path, "--quiet", *QUICK], capsys)[0] == 0
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("model")) == ["model.bin"]
    with open(path, "rb") as handle:
        assert handle.read(4) == b"PK\x03\x04"  # a zip archive, as skops writes
    assert load(path)["labels"] == ["neg", "pos"]


def test_allow_pickle_reads_a_model_file_of_earlier_versions(
    sentiment_model, sentiment_data, folder, capsys
):
    old = folder / "old.joblib"
    joblib.dump(load(sentiment_model), old)
    status, _, err = run(["predict", old, sentiment_data], capsys)
    assert_one_line_error(status, err, "old.joblib is a pickle", "--allow-pickle")
    for command in (["predict", old, sentiment_data], ["evaluate", old, sentiment_data]):
        expected = run([command[0], sentiment_model, *command[2:]], capsys)
        assert run([*command, "--allow-pickle"], capsys) == expected
    status, out, _ = run(["explain", old, "good movie", "--allow-pickle"], capsys)
    assert status == 0 and "pos" in out


def test_train_detects_multilabel_data(topics_model):
    saved = load(topics_model)
    assert saved["multilabel"] is True
    assert saved["labels"] == ["cinema", "neg", "pos"]
    proba = saved["model"].predict_proba(["great film", "boring story"])
    assert proba.shape == (2, 3)


def test_train_multilabel_flag_forces_one_output_per_label(folder, sentiment_data, capsys):
    path = folder / "forced.skops"
    status, _, _ = run(["train", sentiment_data, "--model", path, "--multilabel", *QUICK], capsys)
    assert status == 0
    saved = load(path)
    assert saved["multilabel"] is True
    assert saved["model"].predict(["good film"]).shape == (1, 2)


def test_train_reports_what_it_saved_unless_quiet(folder, sentiment_data, capsys):
    path = folder / "loud.skops"
    status, out, err = run(["train", sentiment_data, "--model", path, *QUICK], capsys)
    assert status == 0
    assert "32 documents, 2 labels (single-label)" in err and str(path) in err
    # Output is not a terminal here, so no per-epoch lines.
    assert "epoch" not in out
    status, out, err = run(["train", sentiment_data, "--model", path, "--quiet", *QUICK], capsys)
    assert (status, out, err) == (0, "", "")


def test_train_shows_epochs_on_a_terminal(folder, sentiment_data, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_terminal_verbosity", lambda quiet: 0 if quiet else 1)
    path = folder / "terminal.skops"
    status, out, _ = run(["train", sentiment_data, "--model", path, *QUICK], capsys)
    assert status == 0
    assert out.count("Epoch ") == 2  # Keras progress bar, one per epoch
    assert load(path)["model"][-1].verbose == 1
    status, out, _ = run(["train", sentiment_data, "--model", path, "--quiet", *QUICK], capsys)
    assert "Epoch" not in out
    assert load(path)["model"][-1].verbose == 0


def test_set_reaches_nested_steps(folder, sentiment_data, capsys):
    path = folder / "nested.skops"
    args = ["train", sentiment_data, "--model", path, "--quiet", *QUICK]
    status, _, _ = run([*args, "--set", "sequencevectorizer__max_length=3"], capsys)
    assert status == 0
    pipeline = load(path)["model"]
    assert pipeline[0].max_length == 3
    assert pipeline[0].transform(["a great good film"]).shape == (1, 3)


@pytest.fixture(scope="module")
def ensemble_model(folder, topics_data):
    path = folder / "ensemble.skops"
    args = ["train", topics_data, "--model", path, "--recommended", "--quiet", *QUICK]
    assert main([str(arg) for arg in [*args, "--set", "cv=2", "--set", "min_positives=1"]]) == 0
    return path


def test_recommended_trains_the_ensemble_with_top_level_settings(ensemble_model):
    saved = load(ensemble_model)
    model = saved["model"]
    assert type(model).__name__ == "MultiLabelThresholdClassifier"
    assert model.cv == 2
    assert model.estimator_.named_estimators_["cnn"][-1].num_filters == 8
    assert model.predict(["great film"]).shape == (1, len(saved["labels"]))


def test_recommended_refuses_single_label_data(folder, sentiment_data, capsys):
    status, _, err = run(
        ["train", sentiment_data, "--model", folder / "r.skops", "--recommended", *QUICK], capsys
    )
    assert_one_line_error(status, err, "--recommended", "--multilabel")
    assert not (folder / "r.skops").exists()


@pytest.mark.parametrize("fmt, separator", [("csv", ","), ("tsv", "\t")], ids=["csv", "tsv"])
def test_train_from_a_table_with_named_columns(folder, fmt, separator, capsys):
    path = folder / f"reviews.{fmt}"
    rows = [f"id{separator}review{separator}tags"]
    for i, (text, labels) in enumerate(zip(TEXTS, TOPICS, strict=True)):
        rows.append(separator.join([str(i), f'"{text}"', f'"{"|".join(labels)}"']))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    model = folder / f"{fmt}.skops"
    status, _, _ = run(
        ["train", path, "--model", model, "--text-column", "review", "--label-column", "tags",
         "--label-sep", "|", "--quiet", *QUICK],
        capsys,
    )  # fmt: skip
    assert status == 0
    saved = load(model)
    assert saved["multilabel"] is True
    assert saved["labels"] == ["cinema", "neg", "pos"]


def test_train_from_a_folder_per_label(folder, capsys):
    root = folder / "by_label"
    for i, (text, label) in enumerate(zip(TEXTS, LABELS, strict=True)):
        (root / label).mkdir(parents=True, exist_ok=True)
        (root / label / f"{i}.txt").write_text(text, encoding="utf-8")
    model = folder / "by_label.skops"
    status, _, _ = run(["train", root, "--model", model, "--quiet", *TINY], capsys)
    assert status == 0
    saved = load(model)
    assert (saved["labels"], saved["multilabel"]) == (["neg", "pos"], False)
    assert saved["model"].predict(["great film"]).tolist() == ["pos"]


# ---------------------------------------------------------------------------- predict


def test_predict_writes_one_json_line_per_document(sentiment_model, sentiment_data, capsys):
    status, out, err = run(["predict", sentiment_model, sentiment_data], capsys)
    assert (status, err) == (0, "")
    pipeline = load(sentiment_model)["model"]
    expected = pipeline.predict(TEXTS).tolist()
    assert [record["labels"] for record in predictions(out)] == [[label] for label in expected]


def test_predict_proba_names_every_label(topics_model, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"text": "great film"}\n\n{"text": "bad"}\n'))
    status, out, _ = run(["predict", topics_model, "-", "--proba"], capsys)
    assert status == 0
    records = predictions(out)
    saved = load(topics_model)
    proba = saved["model"].predict_proba(["great film", "bad"])
    decisions = saved["model"].predict(["great film", "bad"])
    for record, row, decided in zip(records, proba, decisions, strict=True):
        assert list(record["proba"]) == saved["labels"]
        np.testing.assert_allclose(list(record["proba"].values()), row, atol=1e-6)
        assert record["labels"] == [saved["labels"][j] for j in np.flatnonzero(decided)]


def test_predict_in_chunks_matches_one_pass(sentiment_model, folder, capsys, monkeypatch):
    data = folder / "plain.txt"
    data.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    _, whole, _ = run(["predict", sentiment_model, data, "--proba"], capsys)
    monkeypatch.setattr(cli, "PREDICT_CHUNK", 3)
    _, chunked, _ = run(["predict", sentiment_model, data, "--proba"], capsys)
    assert len(predictions(whole)) == len(TEXTS)
    assert chunked == whole


def test_predict_out_writes_the_file_and_nothing_to_stdout(sentiment_model, folder, capsys):
    data = folder / "docs.jsonl.gz"
    with gzip.open(data, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps({"text": text}) + "\n" for text in TEXTS[:5])
    out_file = folder / "predictions.jsonl"
    status, out, _ = run(["predict", sentiment_model, data, "--out", out_file], capsys)
    assert (status, out) == (0, "")
    assert len(predictions(out_file.read_text(encoding="utf-8"))) == 5
    assert [p.name for p in folder.glob(".predictions.jsonl.*")] == []


def test_predict_leaves_no_half_written_file(sentiment_model, folder, capsys, monkeypatch):
    data = write_jsonl(folder / "broken.jsonl", [{"text": text} for text in TEXTS[:6]])
    data.write_text(data.read_text() + "{not json\n", encoding="utf-8")
    monkeypatch.setattr(cli, "PREDICT_CHUNK", 2)
    out_file = folder / "half.jsonl"
    status, _, err = run(["predict", sentiment_model, data, "--out", out_file], capsys)
    assert_one_line_error(status, err, f"{data} line 7", "not valid JSON")
    assert not out_file.exists()
    assert list(folder.glob(".half.jsonl.*")) == []


# ---------------------------------------------------------------------------- evaluate


def test_evaluate_prints_accuracy_and_a_per_label_table(sentiment_model, sentiment_data, capsys):
    status, out, _ = run(["evaluate", sentiment_model, sentiment_data], capsys)
    assert status == 0
    expected = accuracy_score(LABELS, load(sentiment_model)["model"].predict(TEXTS))
    assert f"accuracy  {expected:.4f}" in out
    table = out.split("label  precision  recall      F1  support\n")[1].splitlines()
    assert [line.split()[0] for line in table] == ["neg", "pos"]
    assert [int(line.split()[-1]) for line in table] == [16, 16]


def test_evaluate_counts_unseen_labels_as_misses(topics_model, folder, capsys):
    records = [
        {"text": text, "labels": list(labels)} for text, labels in zip(TEXTS, TOPICS, strict=True)
    ]
    records[0]["labels"] = ["sequel"]
    data = write_jsonl(folder / "unseen.jsonl", records)
    report = folder / "report.json"
    status, out, err = run(["evaluate", topics_model, data, "--json", report], capsys)
    assert status == 0
    warning = err.strip().splitlines()
    assert len(warning) == 1 and "never saw" in warning[0] and warning[0].endswith("sequel")
    scores = json.loads(report.read_text(encoding="utf-8"))
    assert scores["unseen_labels"] == ["sequel"]
    rows = {row["label"]: row for row in scores["labels"]}
    assert (rows["sequel"]["support"], rows["sequel"]["recall"]) == (1, 0.0)
    saved = load(topics_model)
    names = [*saved["labels"], "sequel"]
    truth = np.array(
        [[name in labels for name in names] for labels in [r["labels"] for r in records]]
    )
    predicted = np.hstack([saved["model"].predict(TEXTS), np.zeros((len(TEXTS), 1), int)])
    assert scores["metrics"]["micro_f1"] == pytest.approx(
        f1_score(truth, predicted, average="micro")
    )
    assert f"micro-F1  {scores['metrics']['micro_f1']:.4f}" in out


def test_evaluate_plots_writes_three_pngs(topics_model, topics_data, folder, capsys):
    pytest.importorskip("matplotlib")
    plots = folder / "plots"
    status, _, _ = run(["evaluate", topics_model, topics_data, "--plots", plots], capsys)
    assert status == 0
    assert sorted(p.name for p in plots.iterdir()) == sorted(cli.PLOT_FILES)
    for png in plots.iterdir():
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_plots_of_the_ensemble(ensemble_model, topics_data, folder, capsys):
    pytest.importorskip("matplotlib")
    plots = folder / "ensemble_plots"
    status, _, _ = run(["evaluate", ensemble_model, topics_data, "--plots", plots], capsys)
    assert status == 0
    assert sorted(p.name for p in plots.iterdir()) == sorted(cli.PLOT_FILES)


def test_evaluate_plots_of_a_multiclass_model_leave_out_thresholds(folder, capsys):
    pytest.importorskip("matplotlib")
    classes = ["pos", "neg", "neutral"]
    data = write_jsonl(
        folder / "three.jsonl",
        [{"text": text, "label": classes[i % 3]} for i, text in enumerate(TEXTS)],
    )
    model = folder / "three.skops"
    assert run(["train", data, "--model", model, "--quiet", *QUICK], capsys)[0] == 0
    plots = folder / "three_plots"
    status, out, err = run(["evaluate", model, data, "--plots", plots], capsys)
    assert status == 0
    assert "accuracy" in out
    assert sorted(p.name for p in plots.iterdir()) == ["history.png", "label_f1.png"]
    assert "thresholds.png is drawn for binary and multi-label models only" in err


def test_evaluate_plots_without_matplotlib_says_how_to_get_it(
    sentiment_model, sentiment_data, folder, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    status, _, err = run(
        ["evaluate", sentiment_model, sentiment_data, "--plots", folder / "none"], capsys
    )
    assert_one_line_error(status, err, "sk-textcnn[plot]")


def test_evaluate_refuses_several_labels_for_a_single_label_model(
    sentiment_model, topics_data, capsys
):
    status, _, err = run(["evaluate", sentiment_model, topics_data], capsys)
    assert_one_line_error(status, err, "document 2 has 2 labels")


# ---------------------------------------------------------------------------- explain


def test_explain_prints_the_ngrams_behind_the_predicted_labels(sentiment_model, capsys):
    status, out, _ = run(["explain", sentiment_model, "a great good film", "--top-k", "2"], capsys)
    assert status == 0
    pipeline = load(sentiment_model)["model"]
    (expected,) = explain(pipeline, ["a great good film"], top_k=2)
    assert out == f"{expected}\n"
    assert out.startswith("'a great good film'")


def test_explain_names_multilabel_labels(topics_model, capsys):
    status, out, _ = run(
        ["explain", topics_model, "great film", "bad", "--label", "cinema", "--top-k", "1"], capsys
    )
    assert status == 0
    first, second = out.strip().split("\n\n")
    assert first.startswith("'great film'") and second.startswith("'bad'")
    for block in (first, second):
        lines = block.splitlines()
        assert lines[1].startswith("cinema: probability")
        assert len(lines) <= 3  # the document, the label, at most one n-gram
    status, out, _ = run(["explain", topics_model, "great film", "--all-labels"], capsys)
    assert [line.split(":")[0] for line in out.splitlines() if ": probability" in line] == [
        "cinema",
        "neg",
        "pos",
    ]
    status, _, err = run(["explain", topics_model, "x", "--label", "sequel"], capsys)
    assert_one_line_error(status, err, "'sequel'", "labels")


def test_explain_of_the_ensemble_explains_its_network(ensemble_model, capsys):
    status, out, err = run(["explain", ensemble_model, "great film", "--all-labels"], capsys)
    assert status == 0
    assert "explaining the ensemble's network" in err
    network = load(ensemble_model)["model"].estimator_.named_estimators_["cnn"]
    (expected,) = explain(
        network, ["great film"], labels="all", top_k=5, label_names=["cinema", "neg", "pos"]
    )
    assert out == f"{expected}\n"


# ---------------------------------------------------------------------------- bad input


def bad_inputs(folder, model):
    """(arguments, fragments the one error line must hold) for each kind of bad input."""
    bad_json = folder / "bad.jsonl"
    bad_json.write_text('{"text": "a", "label": "x"}\n{"text": "b", "label": \n', encoding="utf-8")
    no_text = write_jsonl(folder / "no_text.jsonl", [{"body": "a", "label": "x"}])
    table = folder / "table.csv"
    table.write_text("body,label\nsome text,x\n", encoding="utf-8")
    empty = folder / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    latin = folder / "latin.txt"
    latin.write_bytes("ok\ncaf\xe9\n".encode("latin-1"))
    foreign = folder / "foreign.joblib"
    joblib.dump({"weights": [1, 2]}, foreign)
    text_file = folder / "not_a_model.joblib"
    text_file.write_text("hello", encoding="utf-8")
    foreign_skops = folder / "foreign.skops"
    save({"weights": [1, 2]}, foreign_skops)
    untrusted = folder / "untrusted.skops"
    skops.io.dump({"format": cli.MODEL_FORMAT, "model": FunctionTransformer(len)}, untrusted)
    data = folder / "sentiment.jsonl"
    out = folder / "out.skops"
    return {
        "missing data": (["train", folder / "nope.jsonl", "--model", out], ["nope.jsonl"]),
        "bad json": (["train", bad_json, "--model", out], [f"{bad_json} line 2", "JSON"]),
        "missing text": (["train", no_text, "--model", out], ["line 1", "'text'"]),
        "unknown column": (
            ["train", table, "--model", out, "--text-column", "body", "--label-column", "tag"],
            ["table.csv line 1", "'tag'", "body, label"],
        ),
        "empty data": (["train", empty, "--model", out], ["empty.jsonl", "no documents"]),
        "empty stdin": (["predict", model, "-"], ["<stdin>", "no documents"]),
        "not utf-8": (["predict", model, latin], ["latin.txt line 2", "UTF-8"]),
        "unknown format": (["predict", model, folder / "data.xyz"], ["data.xyz", "--format"]),
        "missing model": (["predict", folder / "nope.skops", data], ["nope.skops"]),
        "pickle": (["predict", foreign, data], ["foreign.joblib is a pickle", "--allow-pickle"]),
        "foreign pickle": (
            ["predict", foreign, data, "--allow-pickle"],
            ["foreign.joblib", "not an sk-textcnn model"],
        ),
        "foreign skops": (["predict", foreign_skops, data], ["foreign.skops", "not an sk-textcnn"]),
        "untrusted type": (
            ["explain", untrusted, "some text"],
            ["untrusted.skops holds types", "not trust: builtins.len."],
        ),
        "not a model file": (
            ["evaluate", text_file, data],
            ["not_a_model.joblib is not a skops file", "b'hello'"],
        ),
        "not a pickle": (
            ["evaluate", text_file, data, "--allow-pickle"],
            ["not_a_model.joblib", "not an sk-textcnn model (UnpicklingError"],
        ),
        "unknown --set": (["train", data, "--model", out, "--set", "epoch=3"], ["--set epoch"]),
        "bad --set value": (
            ["train", data, "--model", out, "--set", "dropout=2"],
            ["'dropout'", "TextCNNClassifier"],
        ),
        "bad nested --set": (
            ["train", data, "--model", out, "--set", "sequencevectorizer__min_df=-1"],
            ["'min_df'", "SequenceVectorizer"],
        ),
        "bad filter sizes": (
            ["train", data, "--model", out, "--set", "filter_sizes=a,b", "--set", "epochs=1"],
            ["filter_sizes"],
        ),
        "--set without =": (["train", data, "--model", out, "--set", "epochs"], ["name=value"]),
        "missing output folder": (
            ["train", data, "--model", folder / "no" / "m.skops", "--set", "epochs=1"],
            ["does not exist"],
        ),
        "output is a folder": (
            ["train", data, "--model", folder, "--set", "epochs=1"],
            [f"{folder} is a folder"],
        ),
        "bad token pattern": (
            ["train", data, "--model", out, "--set", "sequencevectorizer__token_pattern=("],
            ["token_pattern='('", "not a regular expression"],
        ),
        "one class": (
            [
                "train",
                write_jsonl(folder / "one.jsonl", [{"text": "a b", "label": "x"}] * 3),
                "--model",
                out,
                "--set",
                "epochs=1",
            ],
            ["at least 2 classes"],
        ),  # fmt: skip
    }


BAD_CASES = [
    "missing data", "bad json", "missing text", "unknown column", "empty data", "empty stdin",
    "not utf-8", "unknown format", "missing model", "pickle", "foreign pickle", "foreign skops",
    "untrusted type", "not a model file", "not a pickle",
    "unknown --set", "bad --set value", "bad nested --set", "bad filter sizes",
    "--set without =", "missing output folder", "output is a folder", "bad token pattern",
    "one class",
]  # fmt: skip


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_exits_2_with_one_line(
    case, folder, sentiment_data, sentiment_model, capsys, monkeypatch
):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    cases = bad_inputs(folder, sentiment_model)
    assert sorted(cases) == sorted(BAD_CASES)
    args, fragments = cases[case]
    try:
        status, _, err = run(args, capsys)
    except SystemExit as exit:  # argparse's own errors
        status, err = exit.code, capsys.readouterr().err
    assert_one_line_error(status, err, *fragments)
    assert not (folder / "out.skops").exists()


# ---------------------------------------------------------------------------- entry points


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "explain"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit, match="0"):
        main([command, "--help"])
    assert f"usage: sk-textcnn {command}" in capsys.readouterr().out


def test_python_dash_m_reports_bad_input_in_one_line(tmp_path):
    # A fresh process: TensorFlow's import must add nothing to the one line on stderr. The
    # variable this process's quiet import set would tell the child that its user chose the logs.
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-m", "sk_textcnn", "predict", str(tmp_path / "missing.skops"), "-"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"sk-textcnn: error: {tmp_path / 'missing.skops'}: no such model file."
    ]
