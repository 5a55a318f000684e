"""Test collection: draw off-screen, and skip the drawing doctests without matplotlib."""

import importlib.util
import os

import pytest

# Figures are drawn to memory only; no window ever opens, with or without a display.
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):
    """Skip the plotting doctests when matplotlib (the extra sk-textcnn[plot]) is absent."""
    if importlib.util.find_spec("matplotlib") is not None:
        return
    skip = pytest.mark.skip(reason="matplotlib (pip install 'sk-textcnn[plot]') is absent")
    for item in items:
        if item.nodeid.startswith("sk_textcnn/plotting.py"):
            item.add_marker(skip)
