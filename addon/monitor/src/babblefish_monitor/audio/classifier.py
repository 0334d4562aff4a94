"""Runs a model directory's .tflite on batches of log-mel windows with the LiteRT interpreter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .model import ModelError, ModelSpec

FloatArray = npt.NDArray[np.float32]


def _load_interpreter_class() -> Any:
    """The LiteRT interpreter, imported lazily so that importing the monitor stays cheap."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as err:
        raise ModelError(
            "the LiteRT runtime is not installed, so no model can run: "
            "install the ai-edge-litert package (pip install ai-edge-litert)"
        ) from err
    return Interpreter


def softmax(logits: npt.NDArray[Any]) -> FloatArray:
    """Numerically stable softmax over the last axis."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=-1, keepdims=True), dtype=np.float32)


class Classifier:
    """Scores windows of shape (frames, mel_bins) and returns per-label probabilities."""

    def __init__(
        self, spec: ModelSpec, num_threads: int = 1, *, model_path: Path | None = None
    ) -> None:
        """`model_path`: another .tflite that keeps `spec`'s promises (default: the spec's own)."""
        self.spec = spec
        self.model_path = model_path or spec.model_path
        interpreter_class = _load_interpreter_class()
        try:
            self._interpreter = interpreter_class(
                model_path=str(self.model_path), num_threads=num_threads
            )
            self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as err:
            raise ModelError(f"{self.model_path} is not a loadable TFLite model: {err}") from err
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self._check_shapes()
        self._batch = int(self._input["shape"][0])

    def _check_shapes(self) -> None:
        shape = tuple(int(d) for d in self._input["shape"])
        expected = (self.spec.input_frames, self.spec.frontend.mel_bins)
        if len(shape) not in (3, 4) or shape[1:3] != expected:
            raise ModelError(
                f"{self.model_path} takes input {list(shape)} but model.json promises "
                f"[batch, {expected[0]}, {expected[1]}(, 1)]"
            )
        classes = int(self._output["shape"][-1])
        if classes != len(self.spec.labels):
            raise ModelError(
                f"{self.model_path} outputs {classes} classes but model.json lists "
                f"{len(self.spec.labels)} labels"
            )

    def _resize(self, batch: int) -> None:
        if batch == self._batch:
            return
        shape = list(self._input["shape"])
        shape[0] = batch
        self._interpreter.resize_tensor_input(self._input["index"], shape)
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self._batch = batch

    @property
    def input_dtype(self) -> np.dtype[Any]:
        """What the model takes: int8 for a quantised model, float32 otherwise."""
        dtype: np.dtype[Any] = np.dtype(self._input["dtype"])
        return dtype

    @property
    def input_quantisation(self) -> tuple[str, float, int]:
        """The input's type, scale and zero point: networks that agree take the same prepared
        windows."""
        scale, zero_point = self._input["quantization"]
        return (self.input_dtype.name, float(scale), int(zero_point))

    def predict(self, windows: npt.NDArray[np.float32]) -> FloatArray:
        """Probabilities, shape (n, labels), for windows of shape (n, frames, mel_bins)."""
        self._check_windows(windows)
        return self.predict_prepared(self.prepare(windows))

    def prepare(self, features: npt.NDArray[np.float32]) -> npt.NDArray[Any]:
        """Log-mel values in the model's input type (quantised for an int8 model).

        Element by element, so frames can be prepared once as they arrive rather than once per
        window that contains them (a frame is in 2 to 4 windows).
        """
        return self._quantise(features)

    def predict_prepared(self, windows: npt.NDArray[Any]) -> FloatArray:
        """`predict` for windows already in the model's input type (see `prepare`)."""
        self._check_windows(windows)
        if windows.shape[0] == 0:
            return np.zeros((0, len(self.spec.labels)), dtype=np.float32)
        try:
            self._resize(windows.shape[0])
            data = windows.reshape(tuple(int(d) for d in self._input["shape"]))
            self._interpreter.set_tensor(self._input["index"], data)
            self._interpreter.invoke()
            raw = self._interpreter.get_tensor(self._output["index"])
        except (RuntimeError, ValueError) as err:
            # A model that loads but cannot run (a damaged file) is a model error, not a crash.
            raise ModelError(f"{self.model_path} failed when run: {err}") from err
        values = self._dequantise(raw).reshape(windows.shape[0], -1)
        if not np.isfinite(values).all():
            raise ModelError(f"{self.model_path} produced scores that are not numbers")
        return softmax(values) if self.spec.output == "logits" else values.astype(np.float32)

    def _check_windows(self, windows: npt.NDArray[Any]) -> None:
        if windows.ndim != 3 or windows.shape[1:] != (
            self.spec.input_frames,
            self.spec.frontend.mel_bins,
        ):
            raise ValueError(
                f"windows must have shape (n, {self.spec.input_frames}, "
                f"{self.spec.frontend.mel_bins}), got {windows.shape}"
            )

    def restore(self, prepared: npt.NDArray[Any]) -> FloatArray:
        """Log-mel values back from the model's input type (the inverse of `prepare`, up to
        rounding), so another network can prepare them its own way."""
        if prepared.dtype == np.float32:
            return prepared
        scale, zero_point = self._input["quantization"]
        return np.asarray((prepared.astype(np.float32) - zero_point) * scale, dtype=np.float32)

    def _quantise(self, data: npt.NDArray[np.float32]) -> npt.NDArray[Any]:
        dtype = self._input["dtype"]
        if dtype == np.float32:
            return data.astype(np.float32)
        scale, zero_point = self._input["quantization"]
        info = np.iinfo(dtype)
        quantised = np.round(data / scale + zero_point)
        return np.asarray(np.clip(quantised, info.min, info.max), dtype=dtype)

    def _dequantise(self, raw: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
        if raw.dtype == np.float32:
            return raw.astype(np.float64)
        scale, zero_point = self._output["quantization"]
        return np.asarray((raw.astype(np.float64) - zero_point) * scale, dtype=np.float64)
