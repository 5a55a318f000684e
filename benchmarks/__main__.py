"""``python -m benchmarks [--quick] [--only NAME ...]``: the one entry point, see run_all.py."""

from benchmarks.run_all import main

main()
