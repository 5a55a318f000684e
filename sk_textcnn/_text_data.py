"""Read labelled or unlabelled documents from the files the command line takes.

Formats: JSON lines (``{"text": ..., "labels": [...]}`` or ``"label": "..."``), CSV and TSV with a
header row, plain text (one document per line, no labels), each optionally gzipped, and a folder
with one sub-folder per label as :func:`sklearn.datasets.load_files` reads it. Documents are
yielded one at a time, so a caller can work in chunks on files of any size. Every problem is a
:class:`DataError` whose message names the file and, where there is one, the line and column.
"""

import csv
import gzip
import json
import sys
from contextlib import nullcontext
from pathlib import Path

from sklearn.datasets import load_files

FORMATS = ("jsonl", "csv", "tsv", "txt")
STDIN = "-"
_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "txt",
}
# Fields tried, in this order, for a document's labels when no label column is named.
_DEFAULT_LABEL_FIELDS = ("labels", "label")


class DataError(ValueError):
    """A document file that cannot be read; the message names the file, line and column."""


def _display_name(source):
    return "<stdin>" if source == STDIN else str(source)


def _format_of(source, format):
    """The format named by ``format``, else told by the file's suffix (stdin: JSON lines)."""
    if format is not None:
        return format
    if source == STDIN:
        return "jsonl"
    path = Path(source)
    suffixes = path.suffixes[-2:] if path.suffix == ".gz" else path.suffixes[-1:]
    found = _SUFFIXES.get(suffixes[0].lower()) if suffixes else None
    if found is None:
        raise DataError(
            f"{source}: cannot tell the format from the file name; name it .jsonl, .csv, .tsv "
            "or .txt, or pass --format."
        )
    return found


def _open_binary(source):
    """A binary stream of ``source``: a path, gzipped or not, or ``-`` for stdin."""
    if source == STDIN:
        # Standard input stays open for the caller; a text stand-in (tests) is read as it is.
        return nullcontext(getattr(sys.stdin, "buffer", sys.stdin))
    path = Path(source)
    if not path.exists():
        raise DataError(f"{source}: no such file or folder.")
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _numbered_lines(stream, name):
    """``(line_number, text)`` pairs, decoded line by line so a bad byte is found at its line."""
    try:
        for number, line in enumerate(stream, start=1):
            if isinstance(line, bytes):
                try:
                    # utf-8-sig on the first line drops the byte-order mark spreadsheets write.
                    line = line.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError as error:
                    raise DataError(
                        f"{name} line {number}: not UTF-8 text ({error.reason})."
                    ) from None
            yield number, line
    except (OSError, EOFError) as error:  # a corrupt gzip stream
        raise DataError(f"{name}: cannot be read ({error}).") from None


def _label_list(value, *, where, field, label_sep):
    """A document's labels from a JSON value or a table cell, as a tuple of strings."""
    if isinstance(value, str):
        if label_sep is None:
            return (value,) if value.strip() else ()
        return tuple(part.strip() for part in value.split(label_sep) if part.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        return (str(value),)
    if isinstance(value, list) and all(
        isinstance(label, str) or (isinstance(label, int) and not isinstance(label, bool))
        for label in value
    ):
        return tuple(dict.fromkeys(str(label) for label in value))
    raise DataError(
        f"{where}: {field!r} must be a label or a list of labels (strings or ints); "
        f"got {value!r:.60}."
    )


def _label_field(available, label_column, where):
    """The field holding the labels: ``label_column``, else "labels" or "label"."""
    if label_column is not None:
        if label_column not in available:
            raise DataError(
                f"{where}: no column {label_column!r} (columns: {', '.join(available)})."
            )
        return label_column
    for field in _DEFAULT_LABEL_FIELDS:
        if field in available:
            return field
    raise DataError(
        f"{where}: no 'labels' or 'label' column (columns: {', '.join(available)}); "
        "name one with --label-column."
    )


def _json_documents(lines, name, text_column, label_column, label_sep, with_labels):
    for number, line in lines:
        if not line.strip():
            continue
        where = f"{name} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            hint = "."
            if number == 1 and not line.lstrip().startswith("{"):
                hint = "; for one plain document per line pass --format txt."
            raise DataError(
                f"{where}: not valid JSON ({error.msg}, column {error.pos + 1}){hint}"
            ) from None
        if not isinstance(record, dict):
            raise DataError(f"{where}: expected a JSON object, got {type(record).__name__}.")
        if text_column not in record:
            raise DataError(f"{where}: no {text_column!r} field (fields: {', '.join(record)}).")
        text = record[text_column]
        if not isinstance(text, str):
            raise DataError(f"{where}: {text_column!r} must be a string, got {text!r:.60}.")
        labels = None
        if with_labels:
            field = _label_field(list(record), label_column, where)
            labels = _label_list(record[field], where=where, field=field, label_sep=label_sep)
        yield text, labels


def _table_documents(lines, name, delimiter, text_column, label_column, label_sep, with_labels):
    # Documents can be longer than csv's default limit of 128 KiB per field.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader((line for _, line in lines), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            return
        columns = {column: j for j, column in enumerate(header)}
        if text_column not in columns:
            raise DataError(
                f"{name} line 1: no column {text_column!r} (columns: {', '.join(header)})."
            )
        text_at = columns[text_column]
        label_at = None
        if with_labels:
            label_at = columns[_label_field(header, label_column, f"{name} line 1")]
        for row in reader:
            if not row:
                continue
            where = f"{name} line {reader.line_num}"
            if len(row) != len(header):
                raise DataError(f"{where}: {len(row)} fields where the header has {len(header)}.")
            labels = None
            if label_at is not None:
                labels = _label_list(
                    row[label_at], where=where, field=header[label_at], label_sep=label_sep
                )
            yield row[text_at], labels
    except csv.Error as error:
        raise DataError(f"{name} line {reader.line_num}: {error}.") from None


def _plain_documents(lines, name, with_labels):
    if with_labels:
        raise DataError(
            f"{name}: plain text carries no labels; use JSON lines, CSV, TSV or a folder per label."
        )
    for _, line in lines:
        yield line.rstrip("\r\n"), None


def _folder_documents(folder, with_labels):
    """Documents of a folder with one sub-folder per label, in ``load_files`` order."""
    found = load_files(folder, load_content=False, shuffle=False)
    for filename, target in zip(found.filenames, found.target, strict=True):
        try:
            text = Path(filename).read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise DataError(f"{filename}: not UTF-8 text ({error.reason}).") from None
        yield text, ((found.target_names[target],) if with_labels else None)


def iter_documents(
    source,
    *,
    format=None,
    text_column="text",
    label_column=None,
    label_sep=None,
    with_labels=True,
):
    """Yield ``(text, labels)`` for each document of ``source``, one at a time.

    Parameters
    ----------
    source : str or path-like
        A file, a folder with one sub-folder per label, or ``"-"`` for standard input.
    format : {"jsonl", "csv", "tsv", "txt"} or None, default=None
        None: told by the file name's suffix (``.jsonl``, ``.csv``, ...; before a ``.gz``), JSON
        lines on standard input. Ignored for folders.
    text_column : str, default="text"
        The JSON field or table column holding the text.
    label_column : str or None, default=None
        The field or column holding the labels; None tries "labels", then "label".
    label_sep : str or None, default=None
        Splits a label string into several labels.
    with_labels : bool, default=True
        Whether to read labels; when False every ``labels`` is None.

    Yields
    ------
    text : str
    labels : tuple of str or None
    """
    name = _display_name(source)
    if source != STDIN and Path(source).is_dir():
        yield from _folder_documents(source, with_labels)
        return
    format = _format_of(source, format)
    with _open_binary(source) as stream:
        lines = _numbered_lines(stream, name)
        if format == "jsonl":
            yield from _json_documents(
                lines, name, text_column, label_column, label_sep, with_labels
            )
        elif format == "txt":
            yield from _plain_documents(lines, name, with_labels)
        else:
            yield from _table_documents(
                lines,
                name,
                "," if format == "csv" else "\t",
                text_column,
                label_column,
                label_sep,
                with_labels,
            )


def read_labelled(source, **options):
    """All documents of ``source`` and their labels, refusing empty data.

    Takes the options of :func:`iter_documents`. Returns the texts (list of str) and the labels
    (list of tuple of str).
    """
    documents = list(iter_documents(source, with_labels=True, **options))
    if not documents:
        raise DataError(f"{_display_name(source)}: no documents.")
    texts, labels = zip(*documents, strict=True)
    return list(texts), list(labels)
