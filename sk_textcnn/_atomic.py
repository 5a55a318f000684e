"""Files written whole or not at all: models, word vectors, reports."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replaced_on_success(path):
    """A temporary path to write, renamed to ``path`` once the block has run without error.

    The temporary file has ``path``'s name (so its suffix, which some writers read, is kept),
    in a hidden folder beside ``path``, so the rename stays on one file system. A failure of
    any kind, a KeyboardInterrupt included, leaves no partial file and an earlier file at
    ``path`` intact.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.") as folder:
        temporary = Path(folder) / path.name
        yield temporary
        os.replace(temporary, path)
