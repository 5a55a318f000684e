"""Streaming reader and small writer for pretrained word vectors.

Supported formats are GloVe text (``word v1 v2 ...`` per line), word2vec text (the same with a
``n_words dim`` header line) and word2vec binary.  Files ending in ``.gz`` or ``.bz2`` are
(de)compressed transparently.  The header rule for text read with ``format="auto"``: a first
line of exactly two integers is a word2vec header, and the first record must then have exactly
``dim`` values; the writer never starts a GloVe file with such a line, so what it writes reads
back equal.  Files are read line by line (text) or record by record (binary), so memory grows
with the number of words kept, not with the size of the file.
"""

from __future__ import annotations

import bz2
import gzip
import numbers
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from sk_textcnn._atomic import replaced_on_success

__all__ = ["WordVectors", "load_word_vectors", "save_word_vectors"]

_READ_FORMATS = ("auto", "glove", "word2vec", "word2vec-binary")
_WRITE_FORMATS = ("glove", "word2vec", "word2vec-binary")
_HEADER_RE = re.compile(r"[+-]?[0-9]+[ \t]+[+-]?[0-9]+")
_BOM = "\ufeff"
_CHUNK_SIZE = 1 << 20
_BLOCK_ROWS = 4096


class WordVectors(NamedTuple):
    """Words and their vectors, as returned by :func:`load_word_vectors`.

    Attributes
    ----------
    words : list of str
        The words, in file order (after filtering).
    vectors : numpy.ndarray
        C-contiguous ``float32`` array of shape ``(len(words), dim)``; row ``i`` is the vector
        of ``words[i]``.
    """

    words: list[str]
    vectors: np.ndarray


def _open(path: str | os.PathLike, mode: str) -> IO[bytes]:
    """Open ``path`` in binary ``mode`` ("rb"/"wb"), (de)compressing by a .gz/.bz2 suffix."""
    name = os.fsdecode(path).lower()
    if name.endswith(".gz"):
        return gzip.open(path, mode, compresslevel=6)  # zlib's default; 9 is much slower
    if name.endswith(".bz2"):
        return bz2.open(path, mode)
    return open(path, mode)


def _encodes(word: str) -> bool:
    try:
        word.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_binary_name(path: str | os.PathLike) -> bool:
    name = os.fsdecode(path).lower()
    for suffix in (".gz", ".bz2"):
        name = name.removesuffix(suffix)
    return name.endswith(".bin")


def _parse_header(text: str, where: str) -> tuple[int, int]:
    fields = text.split()
    try:
        n_words, dim = (int(field) for field in fields)
    except ValueError as exc:
        raise ValueError(
            f"{where}: expected a header of two positive integers 'n_words dim', got {text!r}"
        ) from exc
    if n_words < 1 or dim < 1:
        raise ValueError(
            f"{where}: expected a header of two positive integers 'n_words dim', got {text!r}"
        )
    return n_words, dim


# Both record iterators yield ``(where, word, values, n_declared)``: ``where`` locates the
# record for error messages, ``values`` is the list of value strings (text) or the raw
# little-endian float32 bytes (binary), and ``n_declared`` is the header's word count or None.


def _iter_text(
    fh: IO[bytes], name: str, fmt: str, encoding: str
) -> Iterator[tuple[str, str, list[str], int | None]]:
    dim = n_declared = header_line = None
    for lineno, raw in enumerate(fh, 1):
        where = f"{name}, line {lineno}"
        try:
            line = raw.decode(encoding).rstrip()
        except UnicodeDecodeError as exc:
            binary_hint = " (if the file is binary, pass format='word2vec-binary')"
            hint = binary_hint if n_declared is not None else ""
            raise ValueError(f"{where}: cannot decode as {encoding}: {exc}{hint}") from exc
        if lineno == 1:
            line = line.removeprefix(_BOM)
        if not line:
            continue
        if dim is None:
            if fmt == "word2vec" or (fmt == "auto" and _HEADER_RE.fullmatch(line)):
                n_declared, dim = _parse_header(line, where)
                header_line = lineno
                continue
            dim = len(line.split(" ")) - 1
            if dim < 1:
                raise ValueError(f"{where}: expected a word followed by its vector, got {line!r}")
        elif header_line is not None:
            # The first record must match the header exactly: with a lower dimension, "a 1 2"
            # would otherwise split from the right into the word "a 1" and one value.
            n_values = len(line.split(" ")) - 1
            if n_values != dim:
                hint = f"; if line {header_line} is not a header, pass format='glove'"
                raise ValueError(
                    f"{where}: the header on line {header_line} declares {dim} vector values "
                    f"per word, but this first record has {n_values}{hint if fmt == 'auto' else ''}"
                )
            header_line = None
        # Split from the right: a word may contain spaces (e.g. GloVe 840B), numbers never do.
        parts = line.rsplit(" ", dim)
        if len(parts) != dim + 1:
            raise ValueError(
                f"{where}: expected {dim} vector values after the word, found {len(parts) - 1}"
            )
        yield where, parts[0], parts[1:], n_declared


def _iter_binary(fh: IO[bytes], name: str) -> Iterator[tuple[str, str, bytes, int]]:
    header = fh.readline(256)
    offset = len(header)
    header = header.removeprefix(_BOM.encode("utf-8"))
    if not header.strip():
        return
    n_declared, dim = _parse_header(header.decode("ascii", errors="replace"), f"{name}, header")
    size = 4 * dim
    buf, pos, eof = b"", 0, False
    for index in range(n_declared):
        where = f"{name}, word index {index}"
        while True:
            # The C tool writes b"\n" after each vector; gensim tolerates its absence.
            while pos < len(buf) and buf[pos] == 0x0A:
                pos += 1
            space = buf.find(b" ", pos)
            if space >= 0 and len(buf) >= space + 1 + size:
                break
            if eof:
                if pos == len(buf):
                    raise ValueError(
                        f"{where}: the file ends after {index} records but the header declares "
                        f"{n_declared} words"
                    )
                raise ValueError(
                    f"{where} (byte offset {offset + pos}): the file is truncated in the middle "
                    f"of a record (expected a word, a space and {size} bytes of vector)"
                )
            chunk = fh.read(_CHUNK_SIZE)
            eof = not chunk
            offset += pos
            buf, pos = buf[pos:] + chunk, 0
        word = buf[pos:space].decode("utf-8", errors="replace")
        pos = space + 1 + size
        yield where, word, buf[space + 1 : pos], n_declared


def _new_block(
    dim: int, n_declared: int | None, wanted: set[str] | None, limit: int | None
) -> np.ndarray:
    """Allocate a block for the kept rows, no larger than the number of rows still possible."""
    if n_declared is not None and wanted is None:
        rows = n_declared  # the first and only block, unless the header count is absurd
    else:
        rows = min(_BLOCK_ROWS, len(wanted) if wanted is not None else _BLOCK_ROWS)
    rows = min(rows, limit or rows)
    try:
        return np.empty((rows, dim), np.float32)
    except MemoryError:  # absurd header count: the count check will report it
        return np.empty((min(rows, _BLOCK_ROWS), dim), np.float32)


def _check_limit(limit: object) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < 1:
        raise ValueError(f"limit must be a positive integer or None, got {limit!r}")
    return int(limit)


def _check_format(fmt: object, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise ValueError(f"format must be one of {', '.join(map(repr, allowed))}; got {fmt!r}")
    return str(fmt)


def load_word_vectors(
    path: str | os.PathLike,
    *,
    format: str = "auto",
    vocabulary: Iterable[str] | Mapping[str, object] | None = None,
    limit: int | None = None,
    encoding: str = "utf-8",
) -> WordVectors:
    """Load pretrained word vectors from a GloVe or word2vec file, streaming.

    The file is read line by line (text formats) or record by record (binary), and only the
    rows that are kept are stored, so memory grows with the number of words kept rather than
    with the size of the file.

    Parameters
    ----------
    path : str or os.PathLike
        File to read.  A ``.gz`` or ``.bz2`` suffix selects gzip or bz2 decompression.
    format : {"auto", "glove", "word2vec", "word2vec-binary"}, default="auto"
        ``"glove"``: text, one ``word v1 v2 ...`` per line, no header.  ``"word2vec"``: text
        with a first line ``n_words dim``.  ``"word2vec-binary"``: a header line
        ``n_words dim`` followed, per word, by the word's UTF-8 bytes, a space and ``dim``
        little-endian float32 values (optionally followed by a newline).  ``"auto"``: a name
        ending in ``.bin`` (before any ``.gz``/``.bz2``) is word2vec binary; otherwise the file
        is text, and a first line made of exactly two integers is read as a word2vec header
        (pass ``"glove"`` for a GloVe file whose first line is a number and one value).
    vocabulary : iterable of str or mapping, optional
        If given, keep only these words (for a mapping, its keys).  Reading stops early once
        every vocabulary word has been found.
    limit : int, optional
        Keep at most the first ``limit`` kept words and stop reading once they are found.
    encoding : str, default="utf-8"
        Encoding of text files (each line is decoded separately, so it must be an
        ASCII-compatible encoding).  Words in binary files are always decoded as UTF-8, with
        undecodable bytes replaced by U+FFFD.

    Returns
    -------
    WordVectors
        Named tuple ``(words, vectors)``: the kept words in file order and a C-contiguous
        float32 array of shape ``(len(words), dim)``.

    Raises
    ------
    ValueError
        If ``format``, ``limit`` or ``encoding`` is invalid; if the file is malformed (a bad
        header, a non-numeric value, a vector whose dimension differs from the first vector's
        or from the header's, a first record whose number of fields is not the header's
        dimension plus one, a line that cannot be decoded, a truncated binary record or
        compressed stream, fewer records than the header declares); if it contains no vectors;
        or if none of the vocabulary words are found.  The message names the file and the
        1-based line number (text) or the 0-based word index (binary).
    TypeError
        If ``vocabulary`` is a single string.
    LookupError
        If ``encoding`` is not a known codec.

    Notes
    -----
    Words may contain spaces in text files (as a few do in GloVe 840B): a line is split from
    the right, the last ``dim`` space-separated fields being the vector.  ``dim`` comes from
    the header, or else from the first line (number of fields minus one), so a line with too
    many fields reads as a word with spaces; only lines with too few fields are detected,
    except that the first record after a header must have exactly ``dim`` values (so a header
    with too low a dimension is an error, not words with spaces in them).  Fields must be
    separated by single spaces.  A UTF-8 byte-order mark at the start of the file is skipped.
    When a word occurs more than once, the first occurrence is kept.  Lines that are not kept
    (words outside ``vocabulary``, repeated words) have their field count checked but their
    values are not parsed.  For word2vec files, at most ``n_words`` records are read.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.txt.gz"
    >>> save_word_vectors(path, ["the", "cat", "sat"], [[0, 1], [2, 3], [4, 5]])
    >>> wv = load_word_vectors(path, vocabulary={"cat", "sat", "dog"})
    >>> wv.words
    ['cat', 'sat']
    >>> wv.vectors
    array([[2., 3.],
           [4., 5.]], dtype=float32)
    >>> load_word_vectors(path, limit=1).words
    ['the']
    """
    fmt = _check_format(format, _READ_FORMATS)
    limit = _check_limit(limit)
    if vocabulary is not None:
        if isinstance(vocabulary, (str, bytes)):
            raise TypeError("vocabulary must be an iterable of words, not a single string")
        wanted: set[str] | None = set(
            vocabulary.keys() if isinstance(vocabulary, Mapping) else vocabulary
        )
        if not wanted:
            raise ValueError(f"vocabulary is empty; nothing to load from {os.fsdecode(path)}")
    else:
        wanted = None
    try:  # lines are split on b"\n" before decoding, which needs an ASCII-compatible codec
        ascii_compatible = b" \n".decode(encoding) == " \n"
    except UnicodeDecodeError:
        ascii_compatible = False
    if not ascii_compatible:
        raise ValueError(f"encoding must be ASCII-compatible (such as utf-8), got {encoding!r}")
    if fmt == "auto":
        fmt = "word2vec-binary" if _is_binary_name(path) else "auto"
    binary = fmt == "word2vec-binary"
    name = os.fsdecode(path)

    words: list[str] = []
    kept: set[str] = set()
    # Kept rows are copied into float32 blocks: one block sized by the header count when there
    # is one and no vocabulary, else blocks of _BLOCK_ROWS rows, concatenated at the end.
    blocks: list[np.ndarray] = []
    block = np.empty((0, 0), np.float32)
    filled = 0
    n_declared = None
    n_records = 0
    complete = False  # stopped early because of limit or vocabulary
    compressed = name.lower().endswith((".gz", ".bz2"))
    stream_errors = (EOFError, OSError, zlib.error) if compressed else ()
    with _open(path, "rb") as fh:
        records = _iter_binary(fh, name) if binary else _iter_text(fh, name, fmt, encoding)
        try:
            for where, word, values, n_declared in records:
                n_records += 1
                if word not in kept and (wanted is None or word in wanted):
                    try:
                        vector = (
                            np.frombuffer(values, dtype="<f4")
                            if binary
                            else np.array(values, dtype=np.float32)
                        )
                    except ValueError as exc:
                        raise ValueError(f"{where}: non-numeric vector value ({exc})") from exc
                    if filled == len(block):
                        if filled:
                            blocks.append(block)
                        block, filled = _new_block(len(vector), n_declared, wanted, limit), 0
                    block[filled] = vector
                    filled += 1
                    words.append(word)
                    kept.add(word)
                    if len(words) == limit or (wanted is not None and len(words) == len(wanted)):
                        complete = True
                        break
                if n_records == n_declared:
                    break
        except stream_errors as exc:
            raise ValueError(
                f"{name}: corrupt or truncated compressed data after {n_records} records ({exc})"
            ) from exc

    if n_records == 0:
        raise ValueError(f"{name} contains no vectors")
    if n_declared is not None and not complete and n_records < n_declared:
        raise ValueError(
            f"{name}: the header declares {n_declared} words but the file has only {n_records}"
        )
    if not words:
        raise ValueError(f"none of the {len(wanted or ())} vocabulary words were found in {name}")
    if not blocks and filled == len(block):
        return WordVectors(words, block)
    return WordVectors(words, np.concatenate([*blocks, block[:filled]]))


def _decimal(value: float) -> str:
    """``'%.9g'`` (exact for float32), with ``.0`` appended where that would read as an integer."""
    text = f"{value:.9g}"
    return text + ".0" if text.lstrip("-").isdigit() else text


def save_word_vectors(
    path: str | os.PathLike,
    words: Sequence[str],
    vectors: ArrayLike,
    *,
    format: str = "glove",
) -> None:
    """Write word vectors in a format :func:`load_word_vectors` reads back exactly.

    Parameters
    ----------
    path : str or os.PathLike
        File to write, whole or not at all (an earlier file there stays as it was if the
        write fails).  A ``.gz`` or ``.bz2`` suffix selects gzip or bz2 compression.
    words : sequence of str
        The words, non-empty, without spaces or newlines, and not starting with a byte-order
        mark (U+FEFF, which the reader skips).
    vectors : array-like of shape (len(words), dim)
        The vectors; converted to float32.  Text formats write each value with ``'%.9g'``,
        which reproduces the float32 value exactly; one-dimensional vectors get a decimal
        point (``1.0``, not ``1``), so that a first line such as ``10 1.0`` cannot be read as
        a word2vec header.
    format : {"glove", "word2vec", "word2vec-binary"}, default="glove"
        Output format: GloVe text (no header), word2vec text (``n_words dim`` header) or
        word2vec binary (header, then per word its UTF-8 bytes, a space, ``dim``
        little-endian float32 values and a newline, as the original C tool writes).

    Returns
    -------
    None

    Raises
    ------
    ValueError
        If ``format`` is unknown, ``vectors`` is not a non-empty 2-D array with one row per
        word, or a word is empty, contains a space or a newline, starts with U+FEFF or holds
        a character UTF-8 cannot encode (a lone surrogate). The file is then not touched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.bin"
    >>> save_word_vectors(path, ["a", "b"], [[0.5, 1.0], [1.5, 2.0]], format="word2vec-binary")
    >>> load_word_vectors(path).vectors.tolist()
    [[0.5, 1.0], [1.5, 2.0]]
    """
    fmt = _check_format(format, _WRITE_FORMATS)
    words = list(words)
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2 or array.shape[0] != len(words) or array.size == 0:
        raise ValueError(
            f"vectors must be a non-empty 2-D array with one row per word; got shape "
            f"{array.shape} for {len(words)} words"
        )
    for word in words:
        if (
            not isinstance(word, str)
            or not word
            or " " in word
            or "\n" in word
            or word.startswith(_BOM)
            or not _encodes(word)
        ):
            raise ValueError(
                "words must be non-empty strings of UTF-8-encodable characters (no lone "
                "surrogates) without spaces or newlines, not starting with a byte-order mark "
                f"(U+FEFF): {word!r}"
            )
    n_words, dim = array.shape
    if fmt == "word2vec-binary":
        little = array.astype("<f4", copy=False)
        records = (
            word.encode("utf-8") + b" " + row.tobytes() + b"\n"
            for word, row in zip(words, little, strict=True)
        )
    elif dim == 1:
        # "word 3" would read as a word2vec header "n_words dim": the value gets a decimal point.
        records = (
            f"{word} {_decimal(value)}\n".encode()
            for word, (value,) in zip(words, array.tolist(), strict=True)
        )
    else:
        row_format = " %.9g" * dim + "\n"  # 9 significant digits round-trip float32
        records = (
            (word + row_format % tuple(row)).encode("utf-8")
            for word, row in zip(words, array.tolist(), strict=True)
        )
    # Written whole or not at all: a failure leaves an earlier file at path as it was.
    with replaced_on_success(path) as temporary, _open(temporary, "wb") as fh:
        if fmt != "glove":
            fh.write(f"{n_words} {dim}\n".encode("ascii"))
        batch: list[bytes] = []
        for record in records:  # write in batches: small writes to gzip/bz2 files are slow
            batch.append(record)
            if len(batch) == 1024:
                fh.write(b"".join(batch))
                batch.clear()
        fh.write(b"".join(batch))
