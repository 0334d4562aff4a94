"""The second model of a cascade (YAMNet): load it with LiteRT, check its shape, score waveforms."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .cascade_spec import CascadeSpec
from .classifier import _load_interpreter_class
from .model import ModelError

FloatArray = npt.NDArray[np.float32]


class SecondOpinion:
    """Cry scores (the highest of the cry classes) for 16 kHz float waveforms of a fixed length."""

    def __init__(self, spec: CascadeSpec) -> None:
        self.spec = spec
        if not spec.path.is_file():
            raise ModelError(f"second model {spec.path} is missing")
        interpreter_class = _load_interpreter_class()
        try:
            self._interpreter = interpreter_class(model_path=str(spec.path), num_threads=1)
            self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as err:
            raise ModelError(
                f"second model {spec.path} is not a loadable TFLite model: {err}"
            ) from err
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._class_output()
        self._cry = list(spec.cry_classes)

    def _class_output(self) -> dict[str, Any]:
        shape = [int(d) for d in self._input["shape"]]
        if shape != [1, self.spec.input_samples] or self._input["dtype"] != np.float32:
            raise ModelError(
                f"second model {self.spec.path} takes {shape} {np.dtype(self._input['dtype'])} "
                f"but model.json's cascade promises [1, {self.spec.input_samples}] float32 samples"
            )
        for output in self._interpreter.get_output_details():
            if [int(d) for d in output["shape"]] == [1, self.spec.classes]:
                found: dict[str, Any] = output
                return found
        shapes = [[int(d) for d in o["shape"]] for o in self._interpreter.get_output_details()]
        raise ModelError(
            f"second model {self.spec.path} has outputs {shapes}, none of them "
            f"[1, {self.spec.classes}] class scores as model.json's cascade promises"
        )

    def cry_scores(self, waveforms: FloatArray) -> npt.NDArray[np.float64]:
        """One cry score per row of (n, input_samples) float samples in [-1, 1]."""
        cry: npt.NDArray[np.float64] = (
            self.class_scores(waveforms)[:, self._cry].max(axis=1).astype(np.float64)
        )
        return cry

    def class_scores(self, waveforms: FloatArray) -> FloatArray:
        """Every class's score, one row per row of (n, input_samples) float samples."""
        out = np.zeros((waveforms.shape[0], self.spec.classes), dtype=np.float32)
        try:
            for i, waveform in enumerate(waveforms):
                self._interpreter.set_tensor(self._input["index"], waveform[None, :])
                self._interpreter.invoke()
                out[i] = self._interpreter.get_tensor(self._output["index"])[0]
        except (RuntimeError, ValueError) as err:
            raise ModelError(f"second model {self.spec.path} failed when run: {err}") from err
        if not np.isfinite(out).all():
            raise ModelError(f"second model {self.spec.path} produced scores that are not numbers")
        return out
