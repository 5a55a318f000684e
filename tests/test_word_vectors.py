"""Tests for the streaming word-vector loader and writer."""

from __future__ import annotations

import bz2
import gzip
import pathlib
import re
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sk_textcnn import word_vectors
from sk_textcnn.word_vectors import WordVectors, load_word_vectors, save_word_vectors

WORDS = ["the", "cat", "sat", "on", "mat"]
VECTORS = np.array(
    [[0.1, -0.2, 0.3], [1.5, 2.25, -3.0], [1e-8, 3.4e38, -0.0], [7.0, 8.0, 9.0], [0, 1, 2]],
    dtype=np.float32,
)
COMPRESSIONS = ["", ".gz", ".bz2"]
FORMATS = {"glove": ".txt", "word2vec": ".txt", "word2vec-binary": ".bin"}


def _write(path: pathlib.Path, data: bytes) -> pathlib.Path:
    """Write raw bytes, compressing by suffix independently of the module under test."""
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix, open)
    with opener(path, "wb") as fh:
        fh.write(data)
    return path


def _glove_bytes(words, vectors) -> bytes:
    return "".join(
        w + " " + " ".join(f"{v:.9g}" for v in row) + "\n"
        for w, row in zip(words, vectors, strict=True)
    ).encode()


def _binary_bytes(words, vectors, newline=True) -> bytes:
    vectors = np.asarray(vectors, dtype="<f4")
    out = f"{len(words)} {vectors.shape[1]}\n".encode()
    for word, row in zip(words, vectors, strict=True):
        out += word.encode() + b" " + row.tobytes() + (b"\n" if newline else b"")
    return out


def _assert_loaded(wv, words, vectors):
    assert isinstance(wv, WordVectors)
    assert wv.words == list(words)
    assert wv.vectors.dtype == np.float32
    assert wv.vectors.shape == (len(words), np.asarray(vectors).shape[1])
    assert wv.vectors.flags.c_contiguous
    np.testing.assert_array_equal(wv.vectors, np.asarray(vectors, dtype=np.float32))


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_save_load_round_trip(tmp_path, fmt, compression):
    path = tmp_path / f"vectors{FORMATS[fmt]}{compression}"
    save_word_vectors(path, WORDS, VECTORS, format=fmt)
    _assert_loaded(load_word_vectors(path, format=fmt), WORDS, VECTORS)
    _assert_loaded(load_word_vectors(path), WORDS, VECTORS)  # auto-detected
    _assert_loaded(load_word_vectors(str(path)), WORDS, VECTORS)  # str path too


def test_writer_output_matches_formats(tmp_path):
    glove, w2v, binary = tmp_path / "g.txt", tmp_path / "w.txt", tmp_path / "b.bin"
    save_word_vectors(glove, WORDS, VECTORS, format="glove")
    save_word_vectors(w2v, WORDS, VECTORS, format="word2vec")
    save_word_vectors(binary, WORDS, VECTORS, format="word2vec-binary")
    assert glove.read_bytes() == _glove_bytes(WORDS, VECTORS)
    assert w2v.read_bytes() == b"5 3\n" + _glove_bytes(WORDS, VECTORS)
    assert binary.read_bytes() == _binary_bytes(WORDS, VECTORS, newline=True)


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_writer_compresses_by_suffix(tmp_path, compression):
    path = tmp_path / f"v.txt{compression}"
    save_word_vectors(path, WORDS, VECTORS)
    raw = path.read_bytes()
    magic = {"": b"the ", ".gz": b"\x1f\x8b", ".bz2": b"BZh"}[compression]
    assert raw.startswith(magic)


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_glove_text_hand_written(tmp_path, compression):
    data = b"the 0.1 -0.2 0.3\ncat 1.5 2.25 -3\n\n  \nsat 1e-08 3.4e+38 -0\r\n"
    path = _write(tmp_path / f"glove.6B.3d.txt{compression}", data)
    _assert_loaded(load_word_vectors(path), WORDS[:3], VECTORS[:3])
    _assert_loaded(load_word_vectors(path, format="glove"), WORDS[:3], VECTORS[:3])


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_word2vec_text_hand_written(tmp_path, compression):
    # The C tool writes a trailing space after the last value.
    data = b"2 3\nthe 0.1 -0.2 0.3 \ncat 1.5 2.25 -3 \n"
    path = _write(tmp_path / f"vectors.vec{compression}", data)
    _assert_loaded(load_word_vectors(path), WORDS[:2], VECTORS[:2])
    _assert_loaded(load_word_vectors(path, format="word2vec"), WORDS[:2], VECTORS[:2])


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("newline", [True, False])
def test_word2vec_binary_with_and_without_newline(tmp_path, compression, newline):
    path = _write(
        tmp_path / f"vectors.bin{compression}", _binary_bytes(WORDS, VECTORS, newline=newline)
    )
    _assert_loaded(load_word_vectors(path), WORDS, VECTORS)
    _assert_loaded(load_word_vectors(path, format="word2vec-binary"), WORDS, VECTORS)


def test_binary_vector_bytes_containing_spaces_and_newlines(tmp_path):
    # 0x20 (space) and 0x0A (newline) bytes inside the float data must not confuse the reader.
    value = struct.unpack("<f", b"\x20\x0a\x20\x0a")[0]
    vectors = np.full((3, 4), value, dtype=np.float32)
    path = _write(tmp_path / "v.bin", _binary_bytes(["a", "b", "c"], vectors, newline=False))
    _assert_loaded(load_word_vectors(path), ["a", "b", "c"], vectors)


def test_binary_across_chunk_boundaries(tmp_path, monkeypatch):
    import sk_textcnn.word_vectors as wv_module

    monkeypatch.setattr(wv_module, "_CHUNK_SIZE", 7)
    rng = np.random.default_rng(0)
    words = [f"w{i}" * (i % 4 + 1) for i in range(50)]
    vectors = rng.standard_normal((50, 5)).astype(np.float32)
    path = _write(tmp_path / "v.bin.gz", _binary_bytes(words, vectors, newline=False))
    _assert_loaded(load_word_vectors(path), words, vectors)


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("vocabulary", [None, [f"w{i}" for i in range(0, 23, 2)]])
def test_rows_collected_across_blocks(tmp_path, monkeypatch, fmt, vocabulary):
    import sk_textcnn.word_vectors as wv_module

    monkeypatch.setattr(wv_module, "_BLOCK_ROWS", 3)
    words = [f"w{i}" for i in range(23)]
    vectors = np.arange(46, dtype=np.float32).reshape(23, 2)
    path = tmp_path / f"v{FORMATS[fmt]}"
    save_word_vectors(path, words, vectors, format=fmt)
    keep = slice(None) if vocabulary is None else slice(0, 23, 2)
    wv = load_word_vectors(path, vocabulary=vocabulary)
    _assert_loaded(wv, words[keep], vectors[keep])


def test_binary_non_utf8_word_is_replaced(tmp_path):
    data = b"2 1\n" + b"caf\xe9 " + struct.pack("<f", 1.0) + b"\nok " + struct.pack("<f", 2.0)
    wv = load_word_vectors(_write(tmp_path / "v.bin", data))
    assert wv.words == ["caf\ufffd", "ok"]


@pytest.mark.parametrize("suffix", [".bin", ".BIN", ".bin.gz", ".bin.bz2"])
def test_auto_detects_binary_by_name(tmp_path, suffix):
    path = tmp_path / f"vectors{suffix}"
    save_word_vectors(path, WORDS, VECTORS, format="word2vec-binary")
    _assert_loaded(load_word_vectors(path), WORDS, VECTORS)


def test_auto_detects_text_header_vs_glove(tmp_path):
    # A first line of exactly two integers is a header; "3 0.5" is a 1-d GloVe vector.
    glove = _write(tmp_path / "g.txt", b"3 0.5\n4 1.5\n")
    _assert_loaded(load_word_vectors(glove), ["3", "4"], [[0.5], [1.5]])
    w2v = _write(tmp_path / "w.txt", b"2 1\n3 0.5\n4 1.5\n")
    _assert_loaded(load_word_vectors(w2v), ["3", "4"], [[0.5], [1.5]])


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize(
    ("words", "vectors"),
    [
        (["1", "x"], [[1], [2]]),  # "1 1" was taken for a header of 1 word
        (["10", "20"], [[1], [2]]),  # "10 1" was taken for a header of 10 words
        (["3", "4"], [[-0.0], [5e20]]),
        (["1", "2"], [[3, 4], [5, 6]]),
    ],
)
def test_number_words_round_trip_with_auto_format(tmp_path, fmt, words, vectors):
    path = tmp_path / f"v{FORMATS[fmt]}"
    save_word_vectors(path, words, vectors, format=fmt)
    _assert_loaded(load_word_vectors(path), words, vectors)


def test_one_dimensional_glove_values_carry_a_decimal_point(tmp_path):
    # So that the first line of a GloVe file written here is never "n_words dim".
    path = tmp_path / "v.txt"
    save_word_vectors(path, ["10", "x", "y"], [[1], [-3], [0.25]])
    assert path.read_bytes() == b"10 1.0\nx -3.0\ny 0.25\n"


def test_headerless_glove_starting_with_two_numbers_reads_as_glove(tmp_path):
    # A file from elsewhere: format="auto" takes "10 1" for a header, format="glove" does not.
    path = _write(tmp_path / "v.txt", b"10 1\n20 2\n")
    _assert_loaded(load_word_vectors(path, format="glove"), ["10", "20"], [[1], [2]])
    _raises(path, r"header declares 10 words but the file has only 1")


@pytest.mark.parametrize("fmt", ["auto", "word2vec"])
def test_error_header_dimension_lower_than_data(tmp_path, fmt):
    # Split from the right, "a 1 2" would become the word "a 1" with the vector [2].
    path = _write(tmp_path / "v.txt", b"2 1\na 1 2\nb 3 4\n")
    message = r"line 2: the header on line 1 declares 1 vector values per word, but this first "
    hint = r"record has 2; if line 1 is not a header, pass format='glove'"
    _raises(path, message + (hint if fmt == "auto" else r"record has 2$"), format=fmt)


def test_error_header_dimension_higher_than_first_record(tmp_path):
    path = _write(tmp_path / "v.txt", b"2 3\na 1 2\nb 3 4\n")
    _raises(path, r"line 2: the header on line 1 declares 3 vector values .* record has 2")


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_byte_order_mark_is_skipped(tmp_path, fmt, compression):
    path = tmp_path / f"v{FORMATS[fmt]}{compression}"
    save_word_vectors(tmp_path / f"plain{FORMATS[fmt]}", WORDS, VECTORS, format=fmt)
    _write(path, b"\xef\xbb\xbf" + (tmp_path / f"plain{FORMATS[fmt]}").read_bytes())
    _assert_loaded(load_word_vectors(path), WORDS, VECTORS)


def test_encoding_latin1(tmp_path):
    path = _write(tmp_path / "v.txt", "café 1 2\n".encode("latin-1"))
    assert load_word_vectors(path, encoding="latin-1").words == ["café"]


def test_pathlike_that_is_not_pathlib(tmp_path):
    class MyPath:
        def __init__(self, path):
            self.path = str(path)

        def __fspath__(self):
            return self.path

    path = tmp_path / "v.txt.gz"
    save_word_vectors(path, WORDS, VECTORS)
    _assert_loaded(load_word_vectors(MyPath(path)), WORDS, VECTORS)


# --------------------------------------------------------------------------- filtering


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("as_mapping", [False, True])
def test_vocabulary_filter(tmp_path, fmt, as_mapping):
    path = tmp_path / f"v{FORMATS[fmt]}"
    save_word_vectors(path, WORDS, VECTORS, format=fmt)
    vocab = ["mat", "cat", "dog"]  # order does not matter; unknown words are ignored
    if as_mapping:
        vocab = {word: i for i, word in enumerate(vocab)}
    wv = load_word_vectors(path, vocabulary=vocab)
    _assert_loaded(wv, ["cat", "mat"], VECTORS[[1, 4]])


def test_vocabulary_generator_and_set(tmp_path):
    path = tmp_path / "v.txt"
    save_word_vectors(path, WORDS, VECTORS)
    assert load_word_vectors(path, vocabulary=(w for w in ["on"])).words == ["on"]
    assert load_word_vectors(path, vocabulary={"on", "the"}).words == ["the", "on"]


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("limit", [1, 3, 5, 100])
def test_limit(tmp_path, fmt, limit):
    path = tmp_path / f"v{FORMATS[fmt]}.gz"
    save_word_vectors(path, WORDS, VECTORS, format=fmt)
    _assert_loaded(load_word_vectors(path, limit=limit), WORDS[:limit], VECTORS[:limit])


def test_limit_applies_after_vocabulary(tmp_path):
    path = tmp_path / "v.txt"
    save_word_vectors(path, WORDS, VECTORS)
    wv = load_word_vectors(path, vocabulary=["sat", "mat", "cat"], limit=2)
    _assert_loaded(wv, ["cat", "sat"], VECTORS[[1, 2]])


@pytest.mark.parametrize("fmt", ["glove", "word2vec"])
def test_limit_stops_reading(tmp_path, fmt):
    header = b"4 2\n" if fmt == "word2vec" else b""
    data = header + b"a 1 2\nb 3 4\nc oops 6\nd 7\n"
    path = _write(tmp_path / "v.txt", data)
    _assert_loaded(load_word_vectors(path, format=fmt, limit=2), ["a", "b"], [[1, 2], [3, 4]])
    bad_line = 4 if header else 3
    with pytest.raises(ValueError, match=f"line {bad_line}: non-numeric"):
        load_word_vectors(path, format=fmt)


def test_limit_stops_reading_binary(tmp_path):
    data = _binary_bytes(["a", "b"], [[1, 2], [3, 4]])[:-3]  # second record truncated
    path = _write(tmp_path / "v.bin", data)
    _assert_loaded(load_word_vectors(path, limit=1), ["a"], [[1, 2]])


def test_vocabulary_stops_reading_once_complete(tmp_path):
    path = _write(tmp_path / "v.txt", b"a 1 2\nb 3 4\nc oops 6\n")
    _assert_loaded(load_word_vectors(path, vocabulary=["b", "a"]), ["a", "b"], [[1, 2], [3, 4]])


def test_limit_stops_reading_compressed_stream(tmp_path):
    rows = b"".join(b"w%d 1 2\n" % i for i in range(20000))
    path = tmp_path / "v.txt.gz"
    path.write_bytes(gzip.compress(rows)[:-200])  # truncated stream
    assert len(load_word_vectors(path, limit=3).words) == 3
    with pytest.raises(ValueError, match="corrupt or truncated compressed data") as info:
        load_word_vectors(path)
    assert isinstance(info.value.__cause__, EOFError)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_duplicate_words_keep_first(tmp_path, fmt):
    words = ["a", "b", "a", "c", "b"]
    vectors = np.arange(10, dtype=np.float32).reshape(5, 2)
    path = tmp_path / f"v{FORMATS[fmt]}"
    save_word_vectors(path, words, vectors, format=fmt)
    _assert_loaded(load_word_vectors(path), ["a", "b", "c"], vectors[[0, 1, 3]])
    _assert_loaded(load_word_vectors(path, limit=3), ["a", "b", "c"], vectors[[0, 1, 3]])
    _assert_loaded(load_word_vectors(path, vocabulary=["b"]), ["b"], vectors[[1]])


def test_glove_word_with_spaces(tmp_path):
    data = b"the 1 2 3\n. . . 4 5 6\nat name@domain.com 7 8 9\nend 0 0 0\n"
    path = _write(tmp_path / "glove.840B.300d.txt", data)
    wv = load_word_vectors(path)
    _assert_loaded(
        wv,
        ["the", ". . .", "at name@domain.com", "end"],
        [[1, 2, 3], [4, 5, 6], [7, 8, 9], [0, 0, 0]],
    )
    assert load_word_vectors(path, vocabulary=[". . ."]).words == [". . ."]


def test_unicode_whitespace_inside_words_is_kept(tmp_path):
    path = _write(tmp_path / "v.txt", "\u00a0 1 2\nx\u2028y 3 4\n".encode())
    assert load_word_vectors(path).words == ["\u00a0", "x\u2028y"]


# --------------------------------------------------------------------------- errors


def _raises(path, match, **kwargs):
    with pytest.raises(ValueError, match=match) as info:
        load_word_vectors(path, **kwargs)
    assert str(path) in str(info.value)
    return info


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_error_non_numeric_value(tmp_path, compression):
    path = _write(tmp_path / f"v.txt{compression}", b"a 1 2\n\nb 3 x4\n")
    info = _raises(path, r"line 3: non-numeric vector value.*x4")
    assert isinstance(info.value.__cause__, ValueError)


def test_error_dimension_differs_from_first_vector(tmp_path):
    path = _write(tmp_path / "v.txt", b"a 1 2 3\nb 1 2 3\nc 1 2\n")
    _raises(path, r"line 3: expected 3 vector values after the word, found 2")


def test_error_dimension_differs_from_header(tmp_path):
    path = _write(tmp_path / "v.txt", b"2 3\na 1 2 3\nb 1 2\n")
    _raises(path, r"line 3: expected 3 vector values after the word, found 2")


@pytest.mark.parametrize("header", [b"2 x", b"2", b"2 3 4", b"0 3", b"2 0", b"-2 3", b"a 1 2"])
def test_error_bad_word2vec_header(tmp_path, header):
    path = _write(tmp_path / "v.txt", header + b"\na 1 2 3\nb 1 2 3\n")
    _raises(path, r"line 1: expected a header of two positive integers", format="word2vec")


@pytest.mark.parametrize("header", [b"2 x", b"2", b"0 3", b"2 -1", b"\x00\xff garbage"])
def test_error_bad_binary_header(tmp_path, header):
    path = _write(tmp_path / "v.bin", header + b"\n" + b"a " + b"\x00" * 12)
    _raises(path, r"header: expected a header of two positive integers")


def test_error_auto_detected_header_not_positive(tmp_path):
    path = _write(tmp_path / "v.txt", b"0 3\na 1 2 3\n")
    _raises(path, r"line 1: expected a header of two positive integers")


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("cut", [2, 5, 14])
def test_error_binary_truncated_mid_record(tmp_path, compression, cut):
    data = _binary_bytes(["a", "bb", "c"], np.ones((3, 3)))
    path = _write(tmp_path / f"v.bin{compression}", data[:-cut])
    _raises(path, r"word index 2 .*truncated in the middle of a record")


def test_error_binary_fewer_records_than_header(tmp_path):
    data = _binary_bytes(["a", "b"], np.ones((2, 3))).replace(b"2 3\n", b"5 3\n", 1)
    path = _write(tmp_path / "v.bin", data)
    _raises(path, r"word index 2: the file ends after 2 records but the header declares 5")


def test_error_text_fewer_records_than_header(tmp_path):
    path = _write(tmp_path / "v.txt", b"5 2\na 1 2\nb 3 4\n")
    _raises(path, r"header declares 5 words but the file has only 2")
    # ...unless limit or vocabulary is satisfied before the end.
    assert load_word_vectors(path, limit=2).words == ["a", "b"]


@pytest.mark.parametrize("name", ["v.txt", "v.bin"])
def test_error_absurd_header_count(tmp_path, name):
    data = _binary_bytes(["a"], [[1.0, 2.0]]) if name == "v.bin" else b"1 2\na 1 2\n"
    path = _write(tmp_path / name, data.replace(b"1 2\n", b"999999999999 2\n", 1))
    _raises(path, r"999999999999 words")


def test_word2vec_text_reads_only_declared_records(tmp_path):
    path = _write(tmp_path / "v.txt", b"2 2\na 1 2\nb 3 4\nnot a vector line\n")
    assert load_word_vectors(path).words == ["a", "b"]


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("name", ["v.txt", "v.bin"])
@pytest.mark.parametrize("data", [b"", b"\n\n  \n"])
def test_error_empty_file(tmp_path, compression, name, data):
    path = _write(tmp_path / f"{name}{compression}", data)
    _raises(path, "contains no vectors")


def test_error_header_only(tmp_path):
    _raises(_write(tmp_path / "v.txt", b"3 5\n"), "contains no vectors")


def test_error_word_without_vector(tmp_path):
    _raises(_write(tmp_path / "v.txt", b"lonely\n"), r"line 1: expected a word followed by")


def test_error_decode_failure_names_line(tmp_path):
    path = _write(tmp_path / "v.txt", b"a 1 2\nb\xff\xfe 3 4\n")
    info = _raises(path, r"line 2: cannot decode as utf-8")
    assert isinstance(info.value.__cause__, UnicodeDecodeError)


def test_error_binary_file_read_as_text_hints_at_format(tmp_path):
    data = _binary_bytes(["a", "b"], [[-1.5e-38, 2.0], [3.0, 4.0]], newline=False)
    path = _write(tmp_path / "vectors.w2v", data.replace(b"a ", b"\xff ", 1))
    _raises(path, r"line 2: cannot decode as utf-8.*format='word2vec-binary'")
    assert load_word_vectors(path, format="word2vec-binary").words == ["\ufffd", "b"]


def test_error_vocabulary_not_found(tmp_path):
    path = tmp_path / "v.txt"
    save_word_vectors(path, WORDS, VECTORS)
    _raises(path, r"none of the 2 vocabulary words were found in", vocabulary=["x", "y"])
    _raises(path, r"vocabulary is empty", vocabulary=[])
    with pytest.raises(TypeError, match="single string"):
        load_word_vectors(path, vocabulary="the")


def test_error_corrupt_compressed_file(tmp_path):
    path = _write(tmp_path / "v.txt.gz", b"")
    path.write_bytes(b"this is not gzip data at all\n")
    _raises(path, r"corrupt or truncated compressed data")


@pytest.mark.parametrize("limit", [0, -1, 1.5, "3", True])
def test_error_invalid_limit(tmp_path, limit):
    with pytest.raises(ValueError, match="limit"):
        load_word_vectors(tmp_path / "missing.txt", limit=limit)


def test_limit_accepts_numpy_integer(tmp_path):
    path = tmp_path / "v.txt"
    save_word_vectors(path, WORDS, VECTORS)
    assert load_word_vectors(path, limit=np.int64(2)).words == WORDS[:2]


def test_error_invalid_format(tmp_path):
    message = re.escape("'auto', 'glove', 'word2vec', 'word2vec-binary'")
    with pytest.raises(ValueError, match=message):
        load_word_vectors(tmp_path / "missing.txt", format="fasttext")
    with pytest.raises(ValueError, match=re.escape("'glove', 'word2vec', 'word2vec-binary'")):
        save_word_vectors(tmp_path / "x.txt", ["a"], [[1.0]], format="auto")


def test_error_non_ascii_compatible_encoding(tmp_path):
    with pytest.raises(ValueError, match="ASCII-compatible"):
        load_word_vectors(tmp_path / "missing.txt", encoding="utf-16")


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_word_vectors(tmp_path / "missing.txt.gz")


@pytest.mark.parametrize(
    ("words", "vectors"),
    [
        (["a", "b"], [[1.0]]),  # row count mismatch
        (["a"], [1.0]),  # not 2-D
        ([], np.empty((0, 3))),  # empty
        (["a b"], [[1.0]]),  # space in word
        (["a\nb"], [[1.0]]),  # newline in word
        ([""], [[1.0]]),  # empty word
        (["ok", "\ufeffa"], [[1.0], [2.0]]),  # a byte-order mark, which the reader skips
        (["ok", "\udcff"], [[1.0], [2.0]]),  # a lone surrogate, which UTF-8 cannot encode
    ],
)
def test_save_rejects_bad_input(tmp_path, words, vectors):
    message = "vectors must be a non-empty 2-D array|words must be non-empty strings"
    with pytest.raises(ValueError, match=message):
        save_word_vectors(tmp_path / "x.txt", words, vectors)
    assert not (tmp_path / "x.txt").exists()
    save_word_vectors(tmp_path / "x.txt", ["earlier"], [[1.0]])
    with pytest.raises(ValueError, match=message):
        save_word_vectors(tmp_path / "x.txt", words, vectors)
    assert load_word_vectors(tmp_path / "x.txt").words == ["earlier"]


@pytest.mark.parametrize("name", ["x.txt", "x.txt.gz"])
def test_a_write_that_fails_midway_leaves_the_earlier_file_and_nothing_else(
    tmp_path, monkeypatch, name
):
    save_word_vectors(tmp_path / name, ["earlier"], [[1.0]])
    before = (tmp_path / name).read_bytes()

    def fail(value):
        raise KeyboardInterrupt

    # The one-column writer formats each value with _decimal: the second word fails.
    calls = iter([lambda value: "1.0", fail])
    monkeypatch.setattr(word_vectors, "_decimal", lambda value: next(calls)(value))
    with pytest.raises(KeyboardInterrupt):
        save_word_vectors(tmp_path / name, ["a", "b"], [[1.0], [2.0]])
    assert (tmp_path / name).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


# --------------------------------------------------------------------------- property test

# Any word the writer accepts: no space or newline, no leading byte-order mark; numbers often,
# since a first line of two numbers is what could pass for a word2vec header.
_words = st.lists(
    st.one_of(
        st.integers(-(10**6), 10**6).map(str),
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=" \n"),
            min_size=1,
            max_size=6,
        ).filter(lambda word: not word.startswith("\ufeff")),
    ),
    min_size=1,
    max_size=6,
    unique=True,
)


@st.composite
def _word_vectors(draw):
    words = draw(_words)
    dim = draw(st.integers(1, 4))
    values = draw(
        st.lists(
            st.one_of(
                st.integers(-(10**6), 10**6).map(float),
                st.floats(width=32, allow_nan=False),
            ),
            min_size=len(words) * dim,
            max_size=len(words) * dim,
        )
    )
    return words, np.array(values, dtype=np.float32).reshape(len(words), dim)


@pytest.mark.parametrize("read_format", ["auto", "the written one"])
@pytest.mark.parametrize("compression", ["", ".gz"])
@pytest.mark.parametrize("fmt", list(FORMATS))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=_word_vectors())
def test_round_trip_property(tmp_path, fmt, compression, read_format, data):
    words, vectors = data
    path = tmp_path / f"prop{FORMATS[fmt]}{compression}"
    save_word_vectors(path, words, vectors, format=fmt)
    wv = load_word_vectors(path, format="auto" if read_format == "auto" else fmt)
    assert wv.words == words
    assert wv.vectors.dtype == np.float32
    assert wv.vectors.shape == vectors.shape
    # Bit-exact, including the sign of zero.
    np.testing.assert_array_equal(wv.vectors.view(np.uint32), vectors.view(np.uint32))
