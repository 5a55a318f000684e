"""The cost of the default GloVe start: reading the vectors for a vocabulary, in a fresh process.

For the vocabulary ``SequenceVectorizer`` learns on each ``--sets`` training split (Reuters and
the suite's sets), a fresh Python process (TensorFlow already imported, as in a fit) times the
first ``glove_vectors(tokens)`` call, which imports pyarrow, reads the 400,000-word index and
the rows of the words found from the memory-mapped table, and reports the growth of its
resident memory; then a second call (index cached). Table on stdout, JSON in results/.
"""

import json
import subprocess
import sys

try:
    from benchmarks import _common as common
    from benchmarks import suite
except ImportError:  # run as a file: python benchmarks/glove_start.py
    import _common as common
    import suite

PROBE = """
import json, sys, time, psutil
import sk_textcnn
from sk_textcnn._glove import glove_vectors
tokens = json.loads(sys.stdin.read())
process = psutil.Process()
before = process.memory_info().rss
start = time.perf_counter()
found, vectors = glove_vectors(tokens)
first = time.perf_counter() - start
grown = process.memory_info().rss - before
start = time.perf_counter()
glove_vectors(tokens)
again = time.perf_counter() - start
print(json.dumps({"tokens": len(tokens), "found": int(found.sum()), "first_s": first,
                  "again_s": again, "rss_growth_mb": grown / 2**20}))
"""


def main(argv=None):
    from sk_textcnn import SequenceVectorizer

    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--sets", nargs="+", choices=list(suite.SETS), default=["sst2", "reuters"])
    args = p.parse_args(argv)
    results = {}
    for name in args.sets:
        train = suite.load_set(name, "test", n_train=1000 if args.quick else None)[0]
        tokens = list(SequenceVectorizer().fit(train).vocabulary_)
        out = subprocess.run(
            [sys.executable, "-c", PROBE],
            input=json.dumps(tokens),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results[name] = json.loads(out.strip().splitlines()[-1])
        print(name, results[name], flush=True)
    headers = ["set", "vocabulary", "with a vector", "first call s", "again s", "RSS growth MB"]
    rows = [
        [n, r["tokens"], r["found"], r["first_s"], r["again_s"], r["rss_growth_mb"]]
        for n, r in results.items()
    ]
    print("\n" + common.table(headers, rows))
    common.write_results("glove_start", {"results": results}, args.out)


if __name__ == "__main__":
    main()
