"""mlflow: a text pipeline logged with a signature, reloaded as a pyfunc, fed a DataFrame."""

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline

from sk_textcnn import SequenceVectorizer
from sk_textcnn.persistence import TRUSTED_TYPES

from .helpers import fast

mlflow = pytest.importorskip("mlflow")


def test_a_pipeline_logged_with_a_signature_predicts_from_a_dataframe(
    sentiment, tmp_path, monkeypatch
):
    # A file store in tmp_path: no server, nothing left behind. mlflow 3.10 and later refuse
    # file stores unless told otherwise.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", (tmp_path / "runs").as_uri())
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    texts, labels = sentiment
    frame = pd.DataFrame({"text": texts})
    pipeline = make_pipeline(SequenceVectorizer(), fast(epochs=20)).fit(texts, labels)
    signature = mlflow.models.infer_signature(frame, pipeline.predict(frame))
    with mlflow.start_run():
        # mlflow saves with skops, which needs this package's types named as trusted.
        info = mlflow.sklearn.log_model(
            pipeline, name="model", signature=signature, skops_trusted_types=TRUSTED_TYPES
        )
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    assert loaded.metadata.get_input_schema().input_names() == ["text"]
    predicted = loaded.predict(frame)
    assert np.asarray(predicted).tolist() == pipeline.predict(texts).tolist() == labels
