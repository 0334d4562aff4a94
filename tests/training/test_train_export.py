"""Export parity: the int8 TFLite model, run by the monitor's Classifier, matches Keras on the same features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from babblefish_monitor.audio.classifier import Classifier, softmax
from babblefish_monitor.audio.model import load_model_dir
from babblefish_training.distil import soft_targets
from babblefish_training.export import to_int8_tflite
from babblefish_training.features import features_of, window_samples
from babblefish_training.modeldir import model_json, write_model_dir
from babblefish_training.models import (
    ACTIVATION_CAP,
    build_model,
    multiply_adds,
    parameter_count,
)
from babblefish_training.trainer import fit
from train_toy_audio import synth_clip


def _features(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = ("crying", "talking", "other")
    length = window_samples(98)
    windows, targets = [], []
    for i in range(count):
        windows.append(synth_clip(labels[i % 3], 1.0, rng)[:length])
        targets.append(i % 3)
    return features_of(windows, 98), np.array(targets)


@pytest.mark.slow
def test_keras_and_tflite_agree(tmp_path: Path) -> None:
    features, targets = _features(240, 0)
    model = build_model(
        "ds_cnn", 3, 98, 40, mean=float(features.mean()), std=float(features.std()), width=8
    )
    ones = np.ones(len(targets), np.float32)
    fit(
        model,
        features,
        targets,
        ones,
        epochs=3,
        batch_size=32,
        learning_rate=3e-3,
        validation=None,
        seed=0,
    )
    tflite = to_int8_tflite(model, features)
    spec = model_json(
        "parity",
        "0",
        ["crying", "talking", "other"],
        cry_label="crying",
        frames=98,
        threshold=0.5,
        extra={},
    )
    write_model_dir(tmp_path, tflite, spec)

    test_features, _ = _features(90, 1)
    keras_probs = softmax(model.predict(test_features, verbose=0))
    tflite_probs = Classifier(load_model_dir(tmp_path)).predict(test_features)
    assert tflite_probs.shape == keras_probs.shape == (90, 3)
    assert np.mean(keras_probs.argmax(1) == tflite_probs.argmax(1)) >= 0.95
    assert np.abs(keras_probs - tflite_probs).max() < 0.15


def test_model_sizes_and_costs() -> None:
    small = build_model("ds_cnn", 7, 98, 40, mean=0.0, std=1.0, width=48)
    seed = build_model("seed_conv", 7, 98, 40, mean=0.0, std=1.0)
    assert parameter_count(seed) >= 10 * parameter_count(small)
    assert multiply_adds(seed) >= 10 * multiply_adds(small)
    # speech_commands 'conv' on 98x40: 20x8x64 conv then 10x4x64x64 conv on 49x20 then dense.
    assert multiply_adds(seed) == 98 * 40 * 64 * 160 + 49 * 20 * 64 * 64 * 40 + 49 * 20 * 64 * 7


def test_ds_cnn_activations_are_capped_for_int8() -> None:
    import keras

    model = build_model("ds_cnn", 7, 98, 40, mean=0.0, std=1.0, width=8)
    relus = [layer for layer in model.layers if isinstance(layer, keras.layers.ReLU)]
    assert len(relus) == 9
    assert all(float(layer.max_value) == ACTIVATION_CAP == 6.0 for layer in relus)
    # Far past the cap in, the cap out: what int8 calibration then has to cover.
    probe = keras.Model(model.input, relus[0].output)
    assert float(probe.predict(np.full((1, 98, 40), 1e3, np.float32), verbose=0).max()) == 6.0


@pytest.mark.slow
def test_label_smoothing_trains_on_one_hot_targets() -> None:
    features, targets = _features(60, 2)
    model = build_model(
        "ds_cnn", 3, 98, 40, mean=float(features.mean()), std=float(features.std()), width=8
    )
    history = fit(
        model, features, targets, np.ones(len(targets), np.float32), epochs=1, batch_size=32,
        learning_rate=3e-3, validation=(features[:9], targets[:9]), seed=0, label_smoothing=0.1,
    )  # fmt: skip
    assert len(history) == 1 and np.isfinite(history[0]["loss"])
    assert "val_accuracy" in history[0]


@pytest.mark.slow
def test_spec_augment_masks_only_while_training(tmp_path: Path) -> None:
    """Training windows lose a run of frames and of mel bands; inference and export see none of it."""
    features, _ = _features(12, 3)
    plain = build_model("ds_cnn", 3, 98, 40, mean=0.0, std=1.0, width=8)
    masked = build_model("ds_cnn", 3, 98, 40, mean=0.0, std=1.0, width=8, masking=True)
    layer = masked.get_layer("spec_augment")
    normalised = np.asarray(masked.get_layer("normalise")(features))
    augmented = np.asarray(layer(normalised, training=True))
    zeroed = (augmented == 0) & (normalised != 0)
    assert zeroed.any(axis=(1, 2)).mean() > 0.5  # most windows get a mask (a width may be 0)
    assert zeroed.mean() < 0.5
    # A masked run is whole frames or whole bands, never scattered values.
    some = int(np.argmax(zeroed.any(axis=(1, 2))))
    rows, cols = zeroed[some].all(axis=1), zeroed[some].all(axis=0)
    assert (zeroed[some] == (rows[:, None] | cols[None, :])).all()
    assert np.array_equal(np.asarray(layer(normalised, training=False)), normalised)
    # The exported graph is the plain network's: the same operators in the same order.
    assert _operators(to_int8_tflite(masked, features)) == _operators(
        to_int8_tflite(plain, features)
    )


def _operators(tflite: bytes) -> list[str]:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=tflite)
    return [op["op_name"] for op in interpreter._get_ops_details()]


@pytest.mark.slow
def test_weight_averaging_exports_the_moving_average() -> None:
    """With averaging, fit leaves the slow moving average behind, not the last step's weights."""
    features, targets = _features(96, 4)
    moved = {}
    for averaging in (False, True):
        model = build_model("ds_cnn", 3, 98, 40, mean=0.0, std=1.0, width=8)
        logits = model.get_layer("logits")
        before = np.array(logits.kernel)
        fit(
            model, features, targets, np.ones(len(targets), np.float32), epochs=2, batch_size=16,
            learning_rate=3e-2, validation=None, seed=0, weight_averaging=averaging,
        )  # fmt: skip
        moved[averaging] = float(np.abs(np.array(logits.kernel) - before).mean())
    # Over 12 steps an average with momentum 0.995 barely leaves where the first step put it.
    assert moved[True] < 0.6 * moved[False]


@pytest.mark.slow
def test_soft_targets_are_learnt_as_distributions() -> None:
    """Teacher probabilities train the network towards those probabilities, not their argmax."""
    import keras

    features, labels = _features(64, 5)
    wanted = np.array([0.6, 0.3, 0.1], np.float32)
    soft = soft_targets(np.log(np.tile(wanted, (len(labels), 1))), labels * 0, hard_share=0.0)
    assert np.allclose(soft, wanted, atol=1e-6)
    inputs = keras.Input((98, 40))
    model = keras.Model(
        inputs, keras.layers.Dense(3)(keras.layers.GlobalAveragePooling1D()(inputs))
    )
    fit(
        model, features, soft, np.ones(len(labels), np.float32), epochs=40, batch_size=16,
        learning_rate=5e-2, validation=(features[:8], labels[:8]), seed=0,
    )  # fmt: skip
    learnt = softmax(model.predict(features, verbose=0)).mean(axis=0)
    assert np.allclose(learnt, wanted, atol=0.05)


def test_soft_targets_keep_a_share_on_the_true_label() -> None:
    teacher = np.log(np.array([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1]], np.float32))
    labels = np.array([1, 1])
    blended = soft_targets(teacher, labels, hard_share=0.5, label_smoothing=0.3)
    assert np.allclose(blended.sum(axis=1), 1.0)
    # Half the teacher, half the true label smoothed by 0.3 over three labels (0.8 / 0.1 / 0.1).
    assert np.allclose(blended[0], [0.5, 0.425, 0.075])
    assert np.allclose(blended[1], [0.15, 0.75, 0.1])
