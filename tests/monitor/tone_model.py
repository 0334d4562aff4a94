"""A tiny, deterministic int8 TFLite model for monitor tests: a tone in one mel band is 'crying'."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from babblefish_monitor.audio.frontend import FRONTEND, log_mel, mel_filterbank

LABELS = ("crying", "talking", "white_noise", "quiet", "other")
CRY_BIN = 20
TALK_BIN = 8
THRESHOLD = 0.5
SAMPLE_RATE = FRONTEND.sample_rate


def bin_hz(mel_bin: int) -> float:
    """A frequency that lands squarely in `mel_bin`."""
    weights = mel_filterbank()
    return float(np.argmax(weights[:, mel_bin]) * SAMPLE_RATE / FRONTEND.fft_size)


CRY_HZ = bin_hz(CRY_BIN)
TALK_HZ = bin_hz(TALK_BIN)


def tone(hz: float, seconds: float, dbfs: float = -20.0) -> np.ndarray:
    """A sine at `dbfs` peak, as int16."""
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (10 ** (dbfs / 20) * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def quiet(seconds: float, dbfs: float = -70.0, seed: int = 0) -> np.ndarray:
    """Low white noise (never digital zero), as int16."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(round(seconds * SAMPLE_RATE)) * 10 ** (dbfs / 20) * 32767
    return noise.astype(np.int16)


def _weights(cry_gain: float) -> tuple[np.ndarray, np.ndarray]:
    # The cry logit grows with how far band CRY_BIN stands above the average band (time-averaged
    # log-mel), so the score ramps smoothly as a tone fills more of the 1-s window.
    kernel = np.zeros((FRONTEND.mel_bins, len(LABELS)), dtype=np.float32)
    bias = np.zeros(len(LABELS), dtype=np.float32)
    for index, band, gain in ((0, CRY_BIN, cry_gain), (1, TALK_BIN, 0.5)):
        kernel[:, index] = -gain / FRONTEND.mel_bins
        kernel[band, index] += gain
        bias[index] = -3.0
    return kernel, bias


def build(directory: Path, cry_gain: float = 0.5, loudest_dbfs: float = -6.0) -> Path:
    """Write model.tflite + labels.txt + model.json into `directory` (TensorFlow needed);
    `cry_gain` 0 makes a network deaf to the cry tone; `loudest_dbfs` sets the loudest sound it
    is calibrated on, and with it the input's int8 scale."""
    import tensorflow as tf

    inputs = tf.keras.Input((98, FRONTEND.mel_bins, 1))
    x = tf.keras.layers.Reshape((98, FRONTEND.mel_bins))(inputs)
    x = tf.keras.layers.GlobalAveragePooling1D()(x)
    dense = tf.keras.layers.Dense(len(LABELS))
    outputs = dense(x)
    model = tf.keras.Model(inputs, outputs)
    dense.set_weights(list(_weights(cry_gain)))

    def representative() -> object:
        clips = [quiet(1.0, -90), quiet(1.0, -30), tone(CRY_HZ, 1.0, loudest_dbfs),
                 tone(TALK_HZ, 1.0, -40)]  # fmt: skip
        for clip in clips:
            features = log_mel(clip)[:98]
            yield [features.reshape(1, 98, FRONTEND.mel_bins, 1).astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "model.tflite").write_bytes(converter.convert())
    (directory / "labels.txt").write_text("\n".join(LABELS) + "\n", encoding="utf-8")
    spec = {
        "format_version": 1,
        "name": "tone-test-model",
        "version": "test",
        "frontend": FRONTEND.to_dict(),
        "input": {"frames": 98, "mel_bins": FRONTEND.mel_bins},
        "labels": list(LABELS),
        "cry_label": "crying",
        "threshold": THRESHOLD,
        "output": "logits",
    }
    (directory / "model.json").write_text(json.dumps(spec, indent=2), encoding="utf-8")
    return directory
