"""A hand-written MLP of any depth with every mistake of the catalogue as a switch, in two
styles: layer objects (gradients visible) and a black box that exposes only its weights.

``mistakes`` maps a mistake name to the layers it is made in (a set of layer indices; the
activation after dense layer l is "layer l"); loss and optimizer mistakes take ``True``.
With no mistakes the network is the spec's (tests/test_validate_hypotheses.py checks it).
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec


class Dense:
    def __init__(self, l: int, W: np.ndarray, b: np.ndarray, net: Net) -> None:
        self.l, self.weights, self.biases, self.net = l, W, b.reshape(1, -1), net

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases
        return self.output

    def backward(self, dvalues):
        m, l2 = self.net.mistakes, self.net.l2
        dW = self.inputs.T @ dvalues
        dW = dW * len(dvalues) if self.l in m.get("layer_sum_not_mean", ()) else dW  # this layer's 1/n missing
        self.dweights = (dW.T if self.l in m.get("transposed", ()) else dW) + 2 * l2 * self.weights
        self.dbiases = dvalues.copy() if self.l in m.get("bias_not_summed", ()) else dvalues.sum(axis=0, keepdims=True)
        if self.l in m.get("bias_mean", ()):  # np.mean(dZ, axis=0) on a gradient already divided by n
            self.dbiases = self.dbiases / len(dvalues)
        if self.l in m.get("bias_summed_over_all", ()):  # np.sum(dZ) with no axis, broadcast to every unit
            self.dbiases = np.full_like(self.dbiases, dvalues.sum())
        if self.l in m.get("noise", ()):  # a mismatch no mistake of the catalogue explains
            self.dweights = self.dweights + np.random.default_rng(0).normal(0, 1e-3, self.dweights.shape)
        if m.get("updated_first"):  # the style whose backward updates its own weights first
            self.net.optimizer.apply(self)
        self.dinputs = dvalues @ self.weights.T
        return self.dinputs


class Activation:
    def __init__(self, l: int, name: str, net: Net) -> None:
        self.l, self.name, self.net = l, name, net

    def forward(self, inputs):
        self.inputs = inputs
        self.output = self.f(inputs)
        return self.output

    def f(self, z):
        if self.name == "sigmoid":
            return 1 / (1 + np.exp(-z))
        if self.name == "tanh":
            return np.tanh(z)
        if self.name == "relu":
            return np.maximum(z, 0)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def d_from_output(self, a):
        return {"sigmoid": lambda: a * (1 - a), "tanh": lambda: 1 - a**2, "relu": lambda: (a > 0) * 1.0}[self.name]()

    def backward(self, dvalues):
        m, z, a, l = self.net.mistakes, self.inputs, self.output, self.l
        if self.name == "softmax":
            self.dinputs = a * (dvalues - np.sum(dvalues * a, axis=1, keepdims=True))
            return self.dinputs
        if l in m.get("derivative_on_pre", ()):
            d = self.d_from_output(z)
        elif l in m.get("derivative_on_post", ()):
            d = self.d_from_output(self.f(a))
        elif l in m.get("relu_unmasked", ()):
            d = 1.0
        elif l in m.get("relu_mask_at_zero", ()):
            d = (z >= 0) * 1.0
        else:
            d = self.d_from_output(a)
        self.dinputs = dvalues * d
        return self.dinputs


class Loss:
    def __init__(self, name: str, net: Net) -> None:
        self.name, self.net = name, net

    def targets(self, a, y):
        return np.eye(a.shape[1])[y] if self.name == "categorical_crossentropy" else y

    def calculate(self, a, y):
        Y = self.targets(a, y)
        if self.name == "mse":
            return np.mean((a - Y) ** 2)
        if self.name == "binary_crossentropy":
            return -np.mean(Y * np.log(a) + (1 - Y) * np.log(1 - a))
        return -np.mean(np.log(np.sum(a * Y, axis=1)))

    def backward(self, a, y):
        m, Y = self.net.mistakes, self.targets(a, y)
        n, k = a.shape
        if m.get(
            "delta_times_derivative"
        ):  # dL/dz (a - y) handed to the activation, which applies its derivative again
            return (a - Y) / (n if self.name == "categorical_crossentropy" else n * k)
        if m.get("mse_on_probabilities"):
            d = 2 * (a - Y) / (n * k)
        elif m.get("bce_for_cce"):
            d = -(Y / a - (1 - Y) / (1 - a)) / (n * k)
        elif m.get("missing_1_minus_y"):
            d = -Y / a / (n * k)
        elif self.name == "mse":
            d = 2 * (a - Y) / (n * k)
        elif self.name == "binary_crossentropy":
            d = -(Y / a - (1 - Y) / (1 - a)) / (n * k)
        else:
            d = -Y / a / n
        for name, c in (
            ("sign", -1.0),
            ("sum_not_mean", float(n * k if self.name != "categorical_crossentropy" else n)),
            ("missing_2", 0.5),
            ("extra_2", 2.0),
            ("batch_twice", 1 / n),
        ):
            if m.get(name):
                d = d * c
        return d


class Optimizer:
    """SGD (momentum), Adam, RMSprop, Adagrad in PyTorch's forms, with the update mistakes."""

    def __init__(self, spec: ModelSpec, net: Net) -> None:
        self.spec, self.net, self.t, self.state = spec, net, 0, {}

    def pre_update_params(self):
        pass

    def update_params(self, layer):
        if not self.net.mistakes.get("updated_first"):
            self.apply(layer)

    def post_update_params(self):
        self.t += 1

    def apply(self, layer):
        m, s = self.net.mistakes, self.spec
        lr = s.lr * (2 if m.get("double_lr") else 1)
        for which, (p, g) in enumerate((("weights", "dweights"), ("biases", "dbiases"))):
            if which == 1 and layer.l in m.get("skip_bias", ()):
                continue
            key = (layer.l, which)
            st = {} if m.get("reset_state") else self.state.setdefault(key, {})
            grad = getattr(layer, g) + s.weight_decay * getattr(layer, p)  # PyTorch's coupled weight decay
            uphill = which == 0 and layer.l in m.get("uphill_weights", ())  # W += lr * dW, b's line right
            new = getattr(layer, p) - (-lr if uphill else lr) * self.direction(st, grad)
            setattr(layer, p, new)

    def direction(self, st, g):
        m, s = self.net.mistakes, self.spec
        t = self.t + 1
        if s.optimizer == "sgd":
            if not s.momentum:
                return g
            if m.get("momentum_average"):  # the courses' exponential average, from zero
                st["v"] = s.momentum * st.get("v", 0) + (1 - s.momentum) * g
            elif "v" not in st:
                st["v"] = g.copy()
            else:
                st["v"] = s.momentum * st["v"] + (1 - (0.5 if m.get("dampening") else 0.0)) * g
            return st["v"]
        if s.optimizer == "adam":
            b1, b2 = s.beta1, s.beta2
            st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
            st["v"] = b2 * st.get("v", 0) + (1 - b2) * g * g
            tt = {"adam_t0": t - 1, "adam_t_twice": 2 * t}.get(
                next((k for k in ("adam_t0", "adam_t_twice") if m.get(k)), ""), t
            )
            c1, c2 = 1 - b1**tt, 1 - b2**tt
            if m.get("adam_1_minus_b1"):
                c1 = 1 - b1
            if m.get("adam_no_correction"):
                c1 = c2 = 1.0
            with np.errstate(all="ignore"):
                m_hat, v_hat = st["m"] / c1, st["v"] / c2
                return m_hat / ((v_hat if m.get("no_sqrt") else np.sqrt(v_hat)) + s.eps)
        if s.optimizer == "rmsprop":
            st["s"] = s.rho * st.get("s", 0) + (1 - s.rho) * g * g
            if m.get("eps_inside"):  # Keras's form where the spec states PyTorch's
                return g / np.sqrt(st["s"] + s.eps)
            return g / ((st["s"] if m.get("no_sqrt") else np.sqrt(st["s"])) + s.eps)
        st["G"] = st.get("G", 0) + g * g
        return g / ((st["G"] if m.get("no_sqrt") else np.sqrt(st["G"])) + s.eps)


class Net:
    """The layer objects, their loss and optimizer, built from ``spec``'s initial weights
    (zero biases and a zero input row in the tests' data, so ReLU meets z = 0 exactly)."""

    def __init__(self, spec: ModelSpec, mistakes: dict, l2: float = 0.0) -> None:
        self.mistakes, self.l2 = mistakes, l2
        self.layers = []
        for l, ((W, b), act) in enumerate(zip(spec.init_weights(), spec.activations)):
            self.layers += [Dense(l, W, np.zeros_like(b), self), Activation(l, act, self)]
        self.loss, self.optimizer = Loss(spec.loss, self), Optimizer(spec, self)

    def as_layers(self) -> dict:
        return dict(layers=self.layers, loss=self.loss, optimizer=self.optimizer)


class BlackBox:
    """The same network behind one training call: only its weights W0, b0, W1, ... are seen."""

    def __init__(self, net: Net) -> None:
        self.net = net
        self._sync()

    def _sync(self) -> None:
        for d in self.net.layers[::2]:
            setattr(self, f"W{d.l}", d.weights)
            setattr(self, f"b{d.l}", d.biases)

    def train_step(self, X, y) -> None:
        out = X
        for layer in self.net.layers:
            out = layer.forward(out)
        d = self.net.loss.backward(out, y)
        for layer in reversed(self.net.layers):
            d = layer.backward(d)
        for dense in self.net.layers[::2]:
            self.net.optimizer.update_params(dense)
        self.net.optimizer.post_update_params()
        self._sync()

    def as_black_box(self) -> dict:
        names = [f"{p}{l}" for l in range(len(self.net.layers) // 2) for p in ("W", "b")]
        return dict(model=self, step=lambda model, X, y: model.train_step(X, y), weights=names)


def data(spec: ModelSpec, n: int = 6, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """n rows (the first all zeros) and targets of the spec's kind."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, spec.sizes[0]))
    X[0] = 0.0
    k = spec.sizes[-1]
    if spec.loss == "categorical_crossentropy":
        return X, np.arange(n) % k
    if spec.loss == "binary_crossentropy":
        return X, (rng.random((n, k)) > 0.5) * 1.0
    return X, rng.random((n, k))
