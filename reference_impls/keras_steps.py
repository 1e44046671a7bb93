"""The Keras adapter's steps on its backends: Keras's TensorFlow train step as one
``tf.function`` called through its concrete function, the bare and XLA steps, and the loss
with its gradients on the TensorFlow and torch backends. Part of the Keras adapter
(``keras_impl``); ``impl`` is its model."""

from __future__ import annotations


class _Concrete:
    """A ``tf.function`` called through its concrete function for the arguments' shapes
    and dtypes: the very graph ``fn`` would run, without the per-call matching of
    arguments to traces that costs a small step more than its arithmetic (~0.6 ms)."""

    def __init__(self, fn):
        self.fn, self.traces = fn, {}

    def __call__(self, x, y):
        import tensorflow as tf

        args = tf.nest.map_structure(tf.convert_to_tensor, (x, y))
        key = tuple((tuple(a.shape), a.dtype) for a in tf.nest.flatten(args))
        trace = self.traces.get(key)
        if trace is None:
            trace = self.traces[key] = self.fn.get_concrete_function(*args)
        return trace(*args)


def tf_train_step(model):
    """Keras's TensorFlow train step (``keras/src/backend/tensorflow/trainer.py``) as one
    ``tf.function`` returning the loss: forward with ``training=True``, ``compute_loss``
    (the compiled loss plus regularizers), the tape's gradients, ``apply_gradients``."""
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def step(x, y):
        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=True)
        variables = model.trainable_weights
        model.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    return _Concrete(step)


def tf_bare_step(model, optimizer, loss_fn, jit: bool):
    """The shortest TensorFlow training step for an unpenalised model: the loss of the
    forward pass, the tape's gradients, ``optimizer.apply``; with ``jit``, compiled by XLA."""
    import tensorflow as tf

    @tf.function(jit_compile=jit, reduce_retracing=True)
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        variables = model.trainable_variables
        optimizer.apply(tape.gradient(loss, variables), variables)
        return loss

    return _Concrete(step)


def tf_gradients(impl, X, y, variables):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = impl.loss_fn(y, impl.train_model(impl.train_inputs(X, impl.next_masks(len(X))), training=True))
        total = loss + impl._spec_penalty()
    return float(loss), [g.numpy() for g in tape.gradient(total, variables)]


def torch_gradients(impl, X, y, variables):
    import torch

    for v in variables:
        v.value.grad = None
    inputs = impl.train_inputs(X, impl.next_masks(len(X)))
    inputs = [torch.as_tensor(a) for a in inputs] if isinstance(inputs, list) else torch.as_tensor(inputs)
    loss = impl.loss_fn(torch.as_tensor(y), impl.train_model(inputs, training=True))
    (loss + impl._spec_penalty()).backward()
    return float(loss), [v.value.grad.detach().cpu().numpy().copy() for v in variables]


#: a Keras adapter's loss and gradients, per backend
GRADIENTS = {"tensorflow": tf_gradients, "torch": torch_gradients}
