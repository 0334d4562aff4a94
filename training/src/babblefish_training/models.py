"""Keras model builders (ds_cnn, seed_conv) and their size and cost."""

from __future__ import annotations

from typing import Any

import numpy as np

ARCHITECTURES = ("ds_cnn", "seed_conv")
# Adam step sizes that train each reliably: seed_conv has no batch norm and a 62,720-input dense
# layer, and at ds_cnn's rate its ReLUs die within an epoch.
DEFAULT_LEARNING_RATES = {"ds_cnn": 3e-3, "seed_conv": 5e-4}
# Keras' default 0.99 leaves the running variance unconverged after a short run: validation in
# inference mode then collapses while training accuracy looks fine.
BN_MOMENTUM = 0.9
# ds_cnn's activations are capped (ReLU6, as in MobileNet): int8 calibration spreads 256 levels
# over each tensor's observed range, and uncapped ReLUs ranged to 8-17, coarse enough to flip
# near-tied argmaxes (int8/float agreement 97.8 % -> 98.5 %, means of three seeds). 6 fuses into
# the convolutions; a lower cap adds ops and cost recall when tried.
ACTIVATION_CAP = 6.0


def _normaliser(keras: Any, mean: float, std: float) -> Any:
    return keras.layers.Rescaling(1.0 / std, offset=-mean / std, name="normalise")


def spec_augment(
    max_time: int = 20, max_bands: int = 8, seed: int = 0, name: str = "spec_augment"
) -> Any:
    """SpecAugment (Park et al. 2019): per window, one random run of frames and one of mel bands
    is set to the mean (0 after normalising) while training; inference passes windows through,
    so the exported model has no trace of it.
    """
    import keras
    from keras import ops

    class SpecAugment(keras.layers.Layer):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(name=name)
            self.seeds = keras.random.SeedGenerator(seed)

        def _band(self, batch: Any, size: int, widest: int) -> Any:
            width = keras.random.randint((batch, 1), 0, widest + 1, seed=self.seeds)
            start = keras.random.randint((batch, 1), 0, size, seed=self.seeds)
            index = ops.arange(size)[None, :]
            return ops.logical_and(index >= start, index < start + width)

        def call(self, x: Any, training: bool | None = None) -> Any:
            if not training:
                return x
            batch = ops.shape(x)[0]
            frames = self._band(batch, x.shape[1], max_time)[:, :, None]
            bands = self._band(batch, x.shape[2], max_bands)[:, None, :]
            return ops.where(ops.logical_or(frames, bands), ops.zeros_like(x), x)

    return SpecAugment()


def _ds_cnn(keras: Any, x: Any, labels: int, width: int) -> Any:
    """Depthwise-separable CNN (Hello Edge DS-CNN, slimmed for 1 s x 40 mel): logits out."""
    x = keras.layers.Conv2D(width, (10, 4), strides=(2, 2), padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
    x = keras.layers.ReLU(max_value=ACTIVATION_CAP)(x)
    for stride in ((2, 2), (1, 1), (2, 2), (1, 1)):
        x = keras.layers.DepthwiseConv2D((3, 3), strides=stride, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
        x = keras.layers.ReLU(max_value=ACTIVATION_CAP)(x)
        x = keras.layers.Conv2D(width, (1, 1), use_bias=False)(x)
        x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
        x = keras.layers.ReLU(max_value=ACTIVATION_CAP)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    return keras.layers.Dense(labels, name="logits")(x)


def _seed_conv(keras: Any, x: Any, labels: int) -> Any:
    """The original babblefish model: speech_commands 'conv' (64@20x8, pool, 64@10x4, dense)."""
    x = keras.layers.Conv2D(64, (20, 8), padding="same", activation="relu")(x)
    x = keras.layers.Dropout(0.5)(x)
    x = keras.layers.MaxPooling2D((2, 2))(x)
    x = keras.layers.Conv2D(64, (10, 4), padding="same", activation="relu")(x)
    x = keras.layers.Dropout(0.5)(x)
    x = keras.layers.Flatten()(x)
    return keras.layers.Dense(labels, name="logits")(x)


def build_model(
    arch: str,
    labels: int,
    frames: int,
    mel_bins: int,
    *,
    mean: float,
    std: float,
    width: int = 64,
    masking: bool = False,
    seed: int = 0,
    name: str | None = None,
) -> Any:
    """Normalised log-mel in, logits out; `masking` adds SpecAugment (ds_cnn only) for training."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    import keras

    inputs = keras.Input((frames, mel_bins), name="log_mel")
    x = _normaliser(keras, mean, std)(inputs)
    if masking and arch == "ds_cnn":
        x = spec_augment(seed=seed)(x)
    x = keras.layers.Reshape((frames, mel_bins, 1))(x)
    outputs = _ds_cnn(keras, x, labels, width) if arch == "ds_cnn" else _seed_conv(keras, x, labels)
    return keras.Model(inputs, outputs, name=name or arch)


def ensemble(members: list[Any]) -> Any:
    """One model whose logits are the mean of its members' logits (exports as one graph)."""
    import keras

    if len(members) == 1:
        return members[0]
    inputs = keras.Input(members[0].input.shape[1:], name="log_mel")
    outputs = keras.layers.Average(name="logits")([member(inputs) for member in members])
    return keras.Model(inputs, outputs, name=f"{members[0].name}_x{len(members)}")


def multiply_adds(model: Any) -> int:
    """Multiply-accumulates of one forward pass (one input window), from conv and dense layers."""
    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += multiply_adds(layer)
        elif isinstance(layer, keras.layers.DepthwiseConv2D):
            _, h, w, c = layer.output.shape
            kh, kw = layer.kernel_size
            total += int(h * w * c * kh * kw)
        elif isinstance(layer, keras.layers.Conv2D):
            _, h, w, c = layer.output.shape
            kh, kw = layer.kernel_size
            total += int(h * w * c * kh * kw * layer.input.shape[-1])
        elif isinstance(layer, keras.layers.Dense):
            total += int(np.prod(layer.kernel.shape))
    return total


def parameter_count(model: Any) -> int:
    """Trainable and non-trainable parameters."""
    return int(model.count_params())
