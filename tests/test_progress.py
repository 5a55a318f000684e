"""Progress lines of the meta-estimators' fits."""

from types import SimpleNamespace

from sk_textcnn import TextCNNClassifier, _progress
from sk_textcnn._progress import FitProgress


def test_fit_progress_says_which_fit_starts_and_the_time_left(capsys, monkeypatch):
    clock = iter([0.0, 30.0, 90.0, 0.0])
    monkeypatch.setattr(_progress, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    progress = FitProgress(TextCNNClassifier(), 3, verbose=1)
    for what in ("fold 1", "fold 2", "the last"):
        progress.starting(what)
    assert capsys.readouterr().out.splitlines() == [
        "[TextCNNClassifier] 1/3 fitting fold 1",
        "[TextCNNClassifier] 2/3 fitting fold 2, about 1 min 00 s left",
        "[TextCNNClassifier] 3/3 fitting the last, about 45 s left",
    ]
    FitProgress(TextCNNClassifier(), 1, verbose=0).starting("quietly")
    assert capsys.readouterr().out == ""
