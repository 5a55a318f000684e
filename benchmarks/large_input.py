"""Memory of transform + predict_proba over many short documents, in a fresh process per size.

Each child fits a small pipeline on 2,000 synthetic documents, generates N short documents
(3-12 words), then measures the peak RSS that ``SequenceVectorizer.transform`` followed by
``TextCNNClassifier.predict_proba`` adds. Work is batched (10,000 documents per transform
chunk, 128 per forward pass), so the growth should be the output arrays plus a constant, not
the token lists or activations of all N documents.

    python -m benchmarks.large_input [--quick] [--sizes 100000 1000000]
"""

import argparse
import json
import resource
import subprocess
import sys

from benchmarks import _common as common


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def child(n_documents):
    import numpy as np

    from sk_textcnn import SequenceVectorizer, TextCNNClassifier

    rng = np.random.RandomState(0)
    words = np.array([f"w{i}" for i in range(5000)])

    def documents(n):
        lengths = rng.randint(3, 13, n)
        return [" ".join(words[rng.randint(0, 5000, k)]) for k in lengths]

    train = documents(2000)
    Y = (rng.rand(2000, 5) < 0.2).astype(int)
    vectorizer = SequenceVectorizer(max_length=12).fit(train)
    classifier = TextCNNClassifier(epochs=1, random_state=0).fit(vectorizer.transform(train), Y)
    classifier.predict_proba(vectorizer.transform(train[:500]))  # warm up
    docs = documents(n_documents)
    before = _rss_bytes()
    (X, seconds_transform) = common.timed(vectorizer.transform, docs)
    (P, seconds_predict) = common.timed(classifier.predict_proba, X)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "documents": n_documents,
                "rss_before_mb": before / 2**20,
                "peak_growth_mb": (peak - before) / 2**20,
                "output_mb": (X.nbytes + P.nbytes) / 2**20,
                "transform_docs_per_s": n_documents / seconds_transform,
                "predict_docs_per_s": n_documents / seconds_predict,
            }
        )
    )


def main():
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        return child(args.child)
    sizes = args.sizes or ([20_000, 100_000] if args.quick else [100_000, 1_000_000])
    rows = []
    for n in sizes:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.large_input", "--child", str(n)],
            cwd=common.ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    headers = ["documents", "peak growth MB", "outputs MB", "transform docs/s", "predict docs/s"]
    print(
        common.table(
            headers,
            [
                [
                    r["documents"],
                    r["peak_growth_mb"],
                    r["output_mb"],
                    r["transform_docs_per_s"],
                    r["predict_docs_per_s"],
                ]
                for r in rows
            ],
        )
    )
    first, last = rows[0], rows[-1]
    ratios = {
        "documents": last["documents"] / first["documents"],
        "peak_growth": last["peak_growth_mb"] / max(first["peak_growth_mb"], 1e-9),
    }
    print(f"\n{ratios['documents']:.0f}x the documents -> {ratios['peak_growth']:.1f}x the growth")
    common.write_results(
        "large_input", {"quick": args.quick, "sizes": rows, "ratios": ratios}, args.out
    )


if __name__ == "__main__":
    main()
