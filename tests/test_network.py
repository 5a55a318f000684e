"""The Keras network: pooling over real tokens only, its logits, and the positive-weighted loss."""

import numpy as np
import pytest

from sk_textcnn.network import (
    build_text_cnn,
    positive_weighted_binary_crossentropy,
    trained_model,
)


def test_positive_weight_changes_the_loss():
    y_true = np.array([[1.0, 0.0], [1.0, 1.0]], np.float32)
    y_pred = np.array([[0.2, 0.3], [0.6, 0.9]], np.float32)
    plain = np.asarray(positive_weighted_binary_crossentropy([1, 1])(y_true, y_pred))
    weighted = np.asarray(positive_weighted_binary_crossentropy([3, 1])(y_true, y_pred))
    expected = -(np.log(y_pred) * y_true + np.log(1 - y_pred) * (1 - y_true)).mean(axis=1)
    np.testing.assert_allclose(plain, expected, rtol=1e-5)
    np.testing.assert_allclose(weighted - plain, -np.log(y_pred[:, 0]), rtol=1e-5)
    logits = np.log(y_pred / (1 - y_pred))
    from_logits = positive_weighted_binary_crossentropy([3, 1], from_logits=True)
    np.testing.assert_allclose(np.asarray(from_logits(y_true, logits)), weighted, rtol=1e-5)


def test_the_loss_of_logits_stays_finite_and_grows_past_saturated_probabilities():
    y_true = np.array([[1.0, 0.0]], np.float32)
    loss = positive_weighted_binary_crossentropy([2, 1], from_logits=True)
    # sigmoid(-200) and sigmoid(200) are exactly 0 and 1 in float32: clipped, both read 16.1.
    assert float(np.asarray(loss(y_true, np.array([[-200.0, 200.0]], np.float32)))[0]) == (
        pytest.approx((2 * 200 + 200) / 2)
    )


@pytest.mark.parametrize("activation", ["sigmoid", "softmax"])
def test_the_logits_model_shares_the_layers_and_its_activation_gives_the_outputs(activation):
    import keras

    model = build_text_cnn(
        n_ids=10,
        n_outputs=3,
        output_activation=activation,
        embedding_dim=4,
        filter_sizes=(2,),
        num_filters=3,
        dropout=0.5,
        seed=0,
    )
    ids = np.array([[2, 3, 4], [5, 0, 0]], np.int32)
    logits = trained_model(model)
    assert logits is not model and logits is trained_model(model)
    assert logits.trainable_variables == model.trainable_variables
    expected = keras.activations.get(activation)(logits.predict_on_batch(ids))
    np.testing.assert_allclose(model.predict_on_batch(ids), np.asarray(expected), rtol=1e-6)


def test_outputs_ignore_trailing_padding_and_keep_the_layer_names():
    model = build_text_cnn(
        n_ids=10,
        n_outputs=2,
        output_activation="sigmoid",
        embedding_dim=4,
        filter_sizes=(1, 3),
        num_filters=3,
        dropout=0.5,
        seed=0,
    )
    ids = np.array([[2, 3, 4], [5, 0, 0]], np.int32)
    padded = np.hstack([ids, np.zeros((2, 4), np.int32)])
    np.testing.assert_allclose(
        model.predict_on_batch(padded), model.predict_on_batch(ids), atol=1e-6
    )
    names = {layer.name for layer in model.layers}
    assert {"embedding", "convolutions", "dropout", "output"} <= names


def test_token_dropout_zeroes_whole_token_vectors_in_training_only():
    import keras

    def built(token_dropout):
        return build_text_cnn(
            n_ids=40,
            n_outputs=1,
            output_activation="sigmoid",
            embedding_dim=6,
            filter_sizes=(1,),
            num_filters=2,
            dropout=0.0,
            token_dropout=token_dropout,
            seed=0,
        )

    assert "token_dropout" not in {layer.name for layer in built(0.0).layers}
    model = built(0.5)
    pooling = model.get_layer("convolutions")
    embedded = keras.Model(model.input, pooling.input[0])
    ids = np.arange(2, 38, dtype=np.int32).reshape(2, 18)
    plain = np.asarray(embedded(ids, training=False))
    dropped = np.asarray(embedded(ids, training=True))
    np.testing.assert_array_equal(plain, np.asarray(built(0.0).get_layer("embedding")(ids)))
    zeroed = (dropped == 0).all(axis=-1)
    # Each token is dropped whole or kept whole, and kept ones are scaled by 1 / (1 - rate).
    assert 0 < zeroed.mean() < 1
    np.testing.assert_allclose(dropped[~zeroed], 2 * plain[~zeroed], rtol=1e-6)
