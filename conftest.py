"""The doctests of modules for an extra run only where that extra is installed."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("dask") else ["sk_textcnn/distributed.py"]
