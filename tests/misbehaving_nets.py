"""A correct 2-16-3 network of layer objects (tanh, softmax, cross-entropy, SGD) and the ways
user code misbehaves inside it, one switch each: ``network(how)``. Everything else about the
network stays correct, so only the misbehaviour can decide the verdict. The functions at the
end are targets for ``scratchbench validate tests/misbehaving_nets.py:NAME``.

The spec is given (nothing is probed), so the step at which each misbehaviour happens is
the step the user's code is at: ``STEP``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np

from reference_impls import ModelSpec

SPEC = ModelSpec(
    sizes=(2, 16, 3), activations=("tanh", "softmax"), loss="categorical_crossentropy", optimizer="sgd", lr=0.5
)
STEP = 2  # the step at which a misbehaviour happens (step 1 for in-place changes and NaN)


def data(n: int = 30, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Three blobs: X (n, 2), integer labels y (n,)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    return rng.normal(size=(n, 2)) + 2.0 * np.eye(3, 2)[y], y


class Stop(BaseException):
    """A learner's own early-stop signal, outside Exception (as some training loops write it)."""


class Dense:
    def __init__(self, n_in, n_out, rng, how=None, first=False):
        self.weights = rng.normal(0, 1 / np.sqrt(n_in), size=(n_in, n_out))
        self.biases = np.zeros((1, n_out))
        self.how, self.first, self.step = how, first, 0

    def forward(self, inputs):
        self.step += 1
        if self.first and self.how == "inplace_X":
            inputs *= 2
        if self.first and self.how == "writeback":  # the same values written back: harmless
            inputs[...] = inputs.copy()
        if self.first and self.how == "print":
            print(f"step {self.step}: forward on {inputs.shape}", flush=self.step % 2 == 0)
            print("a line on stderr", file=sys.stderr)
        if self.first and self.how == "global_rng":
            np.random.seed(self.step)
            np.random.shuffle(np.random.rand(5))
        if self.first and self.how == "patch_numpy":  # the user's NumPy: nothing of ours may use it
            for name in ("sum", "max", "abs", "mean", "allclose", "isfinite"):
                setattr(np, name, lambda *args, **kwargs: 0.0)
        if self.first and self.how == "memory" and self.step == STEP:
            hog = []
            while True:  # grows until the memory limit stops it
                hog.append(np.ones(10_000_000))
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases
        return self.output

    def backward(self, dvalues):
        if self.first and self.how == "raise" and self.step == STEP:
            raise ValueError("shapes (30,16) and (3,16) not aligned")
        if self.first and self.how == "interrupt" and self.step == STEP:  # not a Ctrl-C: the code's own raise
            raise KeyboardInterrupt
        if self.first and self.how == "base_exception" and self.step == STEP:
            raise Stop("training stopped early")
        if self.first and self.how == "loop" and self.step == STEP:
            while True:
                pass
        if self.first and self.how == "sleep" and self.step == STEP:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a polite stop is ignored
            helper = subprocess.Popen(["sleep", "600"])  # and a process of its own
            with open(os.environ["MISBEHAVING_PIDS"], "w") as f:
                f.write(f"{os.getpid()} {helper.pid}")
            time.sleep(600)
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = dvalues.sum(axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T
        return self.dinputs


class Tanh:
    def __init__(self, how=None):
        self.how, self.step = how, 0

    def forward(self, inputs):
        self.step += 1
        if self.how == "segv" and self.step == STEP:
            os.kill(os.getpid(), signal.SIGSEGV)
        if self.how == "ctypes" and self.step == STEP:
            import ctypes

            ctypes.string_at(0)  # reads address 0
        self.output = np.tanh(inputs)
        return self.output

    def backward(self, dvalues):
        if self.how == "inplace_grad":  # scales the gradient the layer above handed in
            dvalues *= 1 - self.output**2
            self.dinputs = dvalues
        else:
            self.dinputs = dvalues * (1 - self.output**2)
        return self.dinputs


class Softmax:
    def forward(self, inputs):
        e = np.exp(inputs - inputs.max(axis=1, keepdims=True))
        self.output = e / e.sum(axis=1, keepdims=True)
        return self.output

    def backward(self, dvalues):
        s = self.output
        self.dinputs = s * (dvalues - (dvalues * s).sum(axis=1, keepdims=True))
        return self.dinputs


class CrossEntropy:
    def __init__(self, how=None):
        self.how = how

    def calculate(self, probs, y):
        if self.how == "inplace_y":
            y[0] = (y[0] + 1) % 3
        picked = probs[np.arange(len(probs)), y]
        if self.how == "nan_loss":  # KL(one-hot || p): 0 * log(0 / p) is NaN
            onehot = np.eye(probs.shape[1])[y]
            return (onehot * np.log(onehot / probs)).sum(axis=1).mean()
        return (-np.log(picked)).mean()

    def backward(self, probs, y):
        self.dinputs = -np.eye(probs.shape[1])[y] / probs / len(probs)
        return self.dinputs


class SGD:
    def __init__(self, learning_rate=0.5, how=None):
        self.learning_rate, self.how, self.iterations = learning_rate, how, 0

    def update_params(self, layer):
        if self.iterations + 1 == STEP and self.how == "sys_exit":
            sys.exit(0)
        if self.iterations + 1 == STEP and self.how == "os_exit":
            os._exit(0)
        lr = self.learning_rate * (2 if self.how == "double_lr" else 1)  # a plain bug: no misbehaviour, a wrong update
        layer.weights = layer.weights - lr * layer.dweights
        layer.biases = layer.biases - lr * layer.dbiases

    def post_update_params(self):
        self.iterations += 1


def network(how: str | None = None, seed: int = 0) -> dict:
    """validate's arguments for the network, misbehaving as ``how`` says (None: correct)."""
    rng = np.random.default_rng(seed)
    layers = [Dense(2, 16, rng, how, first=True), Tanh(how), Dense(16, 3, rng), Softmax()]
    return dict(layers=layers, loss=CrossEntropy(how), optimizer=SGD(0.5, how), spec=SPEC)


# ---- command-line targets ---------------------------------------------------------------------
def correct():
    return network()


def os_exit():
    return network("os_exit")


def segv():
    return network("segv")


def loop():
    return network("loop")


def inplace_X():
    return network("inplace_X")


def nan_loss():
    return network("nan_loss")


def printing():
    return network("print")
