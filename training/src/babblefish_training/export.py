"""Convert a trained Keras model to a full-integer int8 TFLite model whose output is the logits."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt

REPRESENTATIVE_WINDOWS = 400


def to_int8_tflite(model: Any, representative: npt.NDArray[np.float32], seed: int = 0) -> bytes:
    """Full-integer quantisation (int8 input, body and output) calibrated on `representative` windows.

    The output stays the logits: an int8 softmax saturates at 255/256 and ties the best cries with
    the worst negatives, while dequantised logits keep a usable margin.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    count = min(REPRESENTATIVE_WINDOWS, representative.shape[0])
    chosen = representative[rng.choice(representative.shape[0], count, replace=False)]

    def samples() -> Iterator[list[npt.NDArray[np.float32]]]:
        for window in chosen:
            yield [window[None].astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = samples
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    with _quiet_fds():
        return bytes(converter.convert())


@contextmanager
def _quiet_fds() -> Iterator[None]:
    """Silence the converter's C++ and Python chatter (it lists every tensor) unless it fails."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    failed = False
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except Exception:
            failed = True
            raise
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            if failed:
                sink.seek(0)
                sys.stderr.write(sink.read().decode(errors="replace")[-4000:])
