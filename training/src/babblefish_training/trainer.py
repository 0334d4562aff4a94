"""Fit a Keras model on the window pool with a cosine schedule, reporting progress per epoch."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import numpy.typing as npt

LOG = logging.getLogger("babblefish_training")
EMA_MOMENTUM = 0.995


def fit(
    model: Any,
    features: npt.NDArray[np.float32],
    targets: npt.NDArray[np.int64] | npt.NDArray[np.float32],
    weights: npt.NDArray[np.float32],
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    validation: tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]] | None,
    seed: int,
    label_smoothing: float = 0.0,
    weight_averaging: bool = False,
) -> list[dict[str, float]]:
    """Train in place; validation (inference mode, as deployed) is reported after every epoch.

    `targets` are label indices, or one probability row per window (a teacher's soft labels,
    which already carry any smoothing).
    """
    import keras

    keras.utils.set_random_seed(seed)
    steps = max(1, int(np.ceil(features.shape[0] / batch_size))) * epochs
    schedule = keras.optimizers.schedules.CosineDecay(
        learning_rate, decay_steps=steps, alpha=0.02, warmup_target=None
    )
    # Label smoothing keeps the logits bounded, so the best cries and the worst negatives do not
    # all saturate the softmax (and tie at 1.0) after a longer run.
    y: npt.NDArray[Any] = targets
    val: tuple[npt.NDArray[np.float32], npt.NDArray[Any]] | None = validation
    soft = targets.ndim == 2
    if label_smoothing > 0.0 or soft:
        one_hot = np.eye(int(model.output.shape[-1]), dtype=np.float32)
        loss = keras.losses.CategoricalCrossentropy(
            from_logits=True, label_smoothing=0.0 if soft else label_smoothing
        )
        y = targets if soft else one_hot[targets]
        val = None if validation is None else (validation[0], one_hot[validation[1]])
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(
        # With weight averaging the exported weights are an exponential moving average of the
        # last few hundred steps (Keras swaps them in when fit ends): a flatter, steadier model.
        optimizer=keras.optimizers.Adam(
            schedule, use_ema=weight_averaging, ema_momentum=EMA_MOMENTUM
        ),
        loss=loss,
        weighted_metrics=["accuracy"],
    )
    history: list[dict[str, float]] = []

    class Progress(keras.callbacks.Callback):  # type: ignore[misc]
        def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            self.started = time.monotonic()

        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            logs = dict(logs or {})
            logs["seconds"] = time.monotonic() - self.started
            history.append(logs)
            line = f"epoch {epoch + 1}/{epochs}: loss {logs['loss']:.3f}, accuracy {logs['accuracy']:.3f}"
            if "val_accuracy" in logs:
                line += f", validation accuracy {logs['val_accuracy']:.3f} (inference mode)"
            LOG.info("%s, %.0f s", line, logs["seconds"])

    model.fit(
        features,
        y,
        sample_weight=weights,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=val if val and val[0].shape[0] else None,
        shuffle=True,
        verbose=0,
        callbacks=[Progress()],
    )
    return history
