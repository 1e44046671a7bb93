"""The scratch network behind the shared interface: ``scratch.Sequential`` as is."""

from __future__ import annotations

import numpy as np

from scratch import ACTIVATIONS, LOSSES, OPTIMIZERS, Dense, Dropout, Sequential, get_loss, get_optimizer

from .base import AdapterFacts, Implementation, Presentation, optimizer_kwargs
from .spec import Weights


class ScratchImplementation(Implementation):
    """Follows either optimizer convention, so it can be every framework's twin."""

    facts = AdapterFacts(
        name="scratch",
        display_name="scratch",
        import_module="scratch",
        activations=frozenset(ACTIVATIONS),
        losses=frozenset(LOSSES),
        optimizers=frozenset(OPTIMIZERS),
        accumulates_float64=True,
    )

    def _build(self) -> None:
        spec = self.spec
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(spec.sizes, spec.sizes[1:])):
            # Weights are overwritten by set_weights; "rand" from a fixed seed is the cheapest draw.
            l1, l2, l1b, l2b = spec.penalties(i)
            dense = Dense(
                fan_in,
                fan_out,
                "rand",
                rng=0,
                dtype=spec.dtype,
                use_bias=spec.use_bias,
                l1=l1,
                l2=l2,
                l1_bias=l1b,
                l2_bias=l2b,
                accumulate=spec.accumulate,
                input_gradient=i > 0,
            )  # nothing reads dL/dX
            layers += [dense, spec.activation(i)]
            if i < len(spec.sizes) - 2 and spec.dropout_rate(i):
                # Native dropout draws its own masks, from a stream of its own seeded by the spec.
                rng = np.random.default_rng((spec.seed, 0xD20, 1, i)) if spec.native_dropout else None
                layers.append(Dropout(spec.dropout_rate(i), rng=rng))
        loss = get_loss(spec.loss, reduction=spec.loss_reduction, scale=spec.loss_scale)
        self.model = Sequential(
            layers, loss=loss, optimizer=get_optimizer(spec.optimizer, **optimizer_kwargs(spec)), fuse=spec.fused
        )

    def set_weights(self, weights: Weights) -> None:
        self.model.set_weights(weights)

    def get_weights(self) -> Weights:
        return self.model.get_weights()

    def _native(self, X, y):
        return X, y

    def _use_masks(self, masks) -> None:
        """The harness's masks (one per hidden layer, None where there is no dropout) on the
        Dropout layers, or none (``masks=None``); Sequential clears them after a step."""
        given = [m for m in masks if m is not None] if masks is not None else [None] * len(self.model.dropout_layers)
        for (d, _), mask in zip(self.model.dropout_layers, given):
            d.mask = mask

    def _step(self, X, y) -> float:
        self._use_masks(self.masks)
        return self.model.train_step(X, y, validate=False)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(X)

    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        self.model.forward(X)
        return [layer.output.copy() for layer in self.model.layers if not isinstance(layer, Dropout)]

    def gradients(self, X, y):
        X, y = self.check_data(X, y)
        self._use_masks(self.next_masks(len(X)))
        try:
            loss, _ = self.model.loss_and_gradients(X, y)
        finally:
            self._use_masks(None)
        return loss, [(d.dweights.copy(), d.dbiases.reshape(-1).copy()) for d in self.model.dense_layers]


ADAPTER = ScratchImplementation
PRESENTATION = Presentation(colour="#1f77b4")
