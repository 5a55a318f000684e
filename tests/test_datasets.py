import json
from pathlib import Path

import numpy as np
import pytest

from sk_textcnn.datasets import load_reuters

# The developers' copy the bundled file was made from; absent in an installed-package test run.
SHARED_JSONL = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "reuters21578-modapte90.jsonl"
)


@pytest.mark.parametrize(("subset", "n_documents"), [("train", 7770), ("test", 3019)])
def test_subset_sizes(subset, n_documents):
    bunch = load_reuters(subset=subset)
    assert len(bunch.data) == n_documents
    assert bunch.target.shape == (n_documents, 90)
    assert bunch.target.dtype == np.uint8
    assert bunch.ids.shape == (n_documents,)


def test_all_is_train_then_test():
    train, test, full = (load_reuters(subset=s) for s in ("train", "test", "all"))
    assert full.data == train.data + test.data
    np.testing.assert_array_equal(full.target, np.vstack([train.target, test.target]))
    np.testing.assert_array_equal(full.ids, np.concatenate([train.ids, test.ids]))
    assert len(set(full.ids.tolist())) == len(full.ids)


def test_target_names_sorted_and_shared_across_subsets():
    names = [load_reuters(subset=s).target_names for s in ("train", "test", "all")]
    assert len(names[0]) == 90
    assert names[0].tolist() == sorted(names[0].tolist())
    for other in names[1:]:
        np.testing.assert_array_equal(other, names[0])


def test_every_topic_in_both_splits_and_every_document_labelled():
    train, test = load_reuters(subset="train"), load_reuters(subset="test")
    for bunch in (train, test):
        assert set(np.unique(bunch.target).tolist()) == {0, 1}
        assert (bunch.target.sum(axis=1) >= 1).all()
        assert (bunch.target.sum(axis=0) >= 1).all()


def test_every_document_has_text():
    # The 61 unprocessed (TYPE="UNPROC") stories were empty in an earlier conversion.
    assert all(text.strip() for text in load_reuters(subset="all").data)


def test_descr_states_provenance_and_terms():
    descr = load_reuters().DESCR
    for phrase in ("Reuters-21578", "Distribution 1.0", "Reuters Ltd.", "Carnegie Group"):
        assert phrase in descr
    assert "research" in descr
    assert "ModApte" in descr


def _shared_records():
    if not SHARED_JSONL.exists():
        pytest.skip(f"{SHARED_JSONL} not available")
    with SHARED_JSONL.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def test_first_train_document_matches_source():
    first = next(r for r in _shared_records() if r["split"] == "train")
    train = load_reuters(subset="train")
    assert train.ids[0] == first["id"]
    assert train.data[0] == first["text"]
    labels = train.target_names[train.target[0].astype(bool)].tolist()
    assert labels == sorted(first["labels"])


def test_bundled_data_identical_to_source():
    records = _shared_records()
    full = load_reuters(subset="all")
    assert full.ids.tolist() == [r["id"] for r in records]
    assert full.data == [r["text"] for r in records]
    labels = [full.target_names[row.astype(bool)].tolist() for row in full.target]
    # set(): NEWID 5467 and 19918 repeat a topic in the original SGML; an indicator holds it once.
    assert labels == [sorted(set(r["labels"])) for r in records]


def test_return_X_y():
    data, target = load_reuters(subset="test", return_X_y=True)
    bunch = load_reuters(subset="test")
    assert data == bunch.data
    np.testing.assert_array_equal(target, bunch.target)


@pytest.mark.parametrize("subset", ["validation", "TRAIN", None])
def test_bad_subset_raises(subset):
    with pytest.raises(ValueError, match=r"subset must be one of 'train', 'test', 'all'; got"):
        load_reuters(subset=subset)


def test_subset_is_keyword_only():
    with pytest.raises(TypeError, match="positional"):
        load_reuters("train")


def test_mutating_a_result_does_not_leak_into_the_next_call():
    first = load_reuters(subset="train")
    expected_text, expected_id = first.data[0], int(first.ids[0])
    expected_row = first.target[0].copy()

    first.data[0] = "changed"
    first.data.append("extra")
    first.target[0] = 0
    first.ids[0] = -1
    first.target_names[0] = "changed"
    data, target = load_reuters(subset="train", return_X_y=True)
    data.clear()
    target[:] = 0

    second = load_reuters(subset="train")
    assert len(second.data) == 7770
    assert second.data[0] == expected_text
    assert second.ids[0] == expected_id
    np.testing.assert_array_equal(second.target[0], expected_row)
    assert second.target_names[0] == "acq"
