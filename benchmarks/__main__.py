"""``python -m benchmarks [--quick] [--only NAME ...]``: every benchmark, each mode in a fresh
process. NAME is a harness (quality, timing, memory) or one of their modes; each harness also
runs alone, ``python -m benchmarks.HARNESS [MODE ...] [--quick] [options]`` (see its --help).
"""

import argparse

from benchmarks import _common as common
from benchmarks import memory, quality, timing

# Fastest first, so that a broken setup shows early; the accuracy runs (hours in full) last.
HARNESSES = {"timing": timing.MODES, "memory": memory.MODES, "quality": quality.MODES}
PAIRS = [(harness, mode) for harness, modes in HARNESSES.items() for mode in modes]

p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
p.add_argument("--quick", action="store_true", help="reduced sizes, for a smoke test")
names = [*HARNESSES, *(mode for _, mode in PAIRS)]
p.add_argument("--only", nargs="+", choices=names, metavar="NAME", help=", ".join(names))
args = p.parse_args()
only = set(args.only or names)
common.run_modes([(h, m) for h, m in PAIRS if h in only or m in only], ["--quick"] * args.quick)
