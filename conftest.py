"""Test collection: draw off-screen, and skip the doctests of modules whose extra is absent."""

import importlib.util
import os

import pytest

# Figures are drawn to memory only; no window ever opens, with or without a display.
os.environ.setdefault("MPLBACKEND", "Agg")

# Module -> (the package its doctests need, the extra that installs it).
EXTRA_MODULES = {
    "sk_textcnn/plotting.py": ("matplotlib", "plot"),
    "sk_textcnn/distributed.py": ("dask", "dask"),
}


def pytest_collection_modifyitems(config, items):
    """Skip the plotting and Dask doctests when their extra is not installed."""
    for module, (package, extra) in EXTRA_MODULES.items():
        if importlib.util.find_spec(package) is not None:
            continue
        skip = pytest.mark.skip(reason=f"{package} (pip install 'sk-textcnn[{extra}]') is absent")
        for item in items:
            if item.nodeid.startswith(module):
                item.add_marker(skip)
