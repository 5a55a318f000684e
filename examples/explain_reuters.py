"""Train the default pipeline on Reuters-21578 (ModApte, 90 topics) and explain two test stories.

Prints, for each of the first two test stories of at most 300 characters, the topics the model
predicts with the five n-grams (network windows or linear-term features) that raise each topic's
score most, then the n-grams that raise and lower "earn" most over the whole test split.
Training takes a few minutes on 2 cores.

    python examples/explain_reuters.py [--epochs N]
"""

import argparse

from sklearn.pipeline import make_pipeline

from sk_textcnn import SequenceVectorizer, TextCNNClassifier, explain, load_reuters, top_ngrams


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="training epochs (default 10)")
    args = parser.parse_args(argv)
    train, test = load_reuters(subset="train"), load_reuters(subset="test")
    names = list(train.target_names)
    pipeline = make_pipeline(
        SequenceVectorizer(),
        TextCNNClassifier(epochs=args.epochs, at_least_one_label=True, random_state=0),
    ).fit(train.data, train.target)
    stories = [text for text in test.data if len(text) <= 300][:2]
    for explanation in explain(pipeline, stories, label_names=names):
        print(explanation, end="\n\n")
    print(top_ngrams(pipeline, test.data, "earn", top_k=5, label_names=names))


if __name__ == "__main__":
    main()
