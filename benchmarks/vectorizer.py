"""SequenceVectorizer.transform speed against CountVectorizer.transform on all Reuters documents.

Every vectorizer is fitted on the train split, then transforms all documents (train + test);
best of ``--repeats``, the vectorizers interleaved within each repeat. References:
CountVectorizer() (its default token pattern drops one-character tokens) and CountVectorizer with
SequenceVectorizer's token pattern, the like-for-like tokenization.
"""

try:
    from benchmarks import _common as common
except ImportError:  # run as a file: python benchmarks/vectorizer.py
    import _common as common


def main(argv=None):
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)

    from sklearn.feature_extraction.text import CountVectorizer

    from sk_textcnn import SequenceVectorizer

    train, _, test, _, _ = common.load_reuters_split()
    if args.quick:
        train, test, args.repeats = train[:2000], test[:1000], 2
    docs = train + test
    vectorizers = {
        "SequenceVectorizer()": SequenceVectorizer(),
        "CountVectorizer()": CountVectorizer(),
        "CountVectorizer(token_pattern as ours)": CountVectorizer(token_pattern=r"(?u)\b\w+\b"),
    }
    fit_s = {name: common.timed(v.fit, train)[1] for name, v in vectorizers.items()}
    seconds = {name: [] for name in vectorizers}
    for _ in range(args.repeats):
        for name, v in vectorizers.items():
            seconds[name].append(common.timed(v.transform, docs)[1])

    rates = {name: len(docs) / min(s) for name, s in seconds.items()}
    ours = rates["SequenceVectorizer()"]
    ratios = {f"ours/{name}": ours / rate for name, rate in rates.items() if rate != ours}
    print(
        f"\ntransform of {len(docs):,} Reuters documents (fitted on {len(train):,}), best of "
        f"{args.repeats}, interleaved\n"
    )
    print(
        common.table(
            [
                "vectorizer",
                "transform docs/s",
                "transform s (best)",
                "fit s",
                "ours / this (docs/s)",
            ],
            [
                [name, rates[name], min(seconds[name]), fit_s[name], ours / rates[name]]
                for name in vectorizers
            ],
        )
    )
    common.write_results(
        "vectorizer",
        {
            "config": {
                "n_fit": len(train),
                "n_transform": len(docs),
                "repeats": args.repeats,
                "quick": args.quick,
            },
            "transform_seconds": seconds,
            "fit_seconds": fit_s,
            "transform_docs_per_s": rates,
            "ratios": ratios,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
