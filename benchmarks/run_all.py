"""Run every benchmark, each in a fresh process, and print their tables.

``python -m benchmarks [--quick] [--only NAME ...]`` (or ``python -m benchmarks.run_all``);
every script in benchmarks/ is listed here, so each is reachable from this one entry point. Each
script writes its JSON to
``benchmarks/results/<name>.json``, and this runner a summary to ``results/run_all.json``.
"""

import subprocess
import sys
import time

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/run_all.py
    import _common as common

# Fastest first, so a broken setup shows early; the Reuters fits (minutes per model) last.
SCRIPTS = [
    "vectorizer",
    "glove_start",
    "model_selection",
    "latency",
    "explain",
    "throughput",
    "real_data_speed",
    "speed",
    "memory",
    "large_input",
    "accuracy",
    "suite",
    "learning_curve",
    "thresholds",
    "tuning_policy",
    "ensemble",
    "pretrained",
    "scale",
]


def main(argv=None):
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", choices=SCRIPTS, default=SCRIPTS)
    args = p.parse_args(argv)
    runs = {}
    for name in [s for s in SCRIPTS if s in args.only]:
        command = [sys.executable, "-m", f"benchmarks.{name}"] + ["--quick"] * args.quick
        print(f"\n## {name}: {' '.join(command[1:])}\n", flush=True)
        start = time.perf_counter()
        returncode = subprocess.run(command, cwd=common.ROOT, check=False).returncode
        runs[name] = {"returncode": returncode, "seconds": time.perf_counter() - start}
        print(f"\n({name}: exit {returncode}, {runs[name]['seconds']:.0f} s)", flush=True)
    common.write_results("run_all", {"quick": args.quick, "runs": runs}, args.out)
    failed = [name for name, run in runs.items() if run["returncode"]]
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
