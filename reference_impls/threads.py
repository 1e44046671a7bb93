"""Thread pinning, shared by every adapter: the same ``n`` threads for each pool.

The helpers take the framework module from the adapter that imported it, so this module
imports no framework and no adapter imports another (Keras on its torch backend pins
PyTorch's pools with the very helper the PyTorch adapter uses).
"""

from __future__ import annotations

from types import ModuleType

_blas_limits = None  # threadpoolctl's limiter, kept alive for the process


def pin_blas(n: int) -> dict[str, int]:
    """NumPy's BLAS (threadpoolctl, which also serves scikit-learn) to ``n`` threads."""
    global _blas_limits
    from threadpoolctl import threadpool_limits

    _blas_limits = threadpool_limits(limits=n)
    return {"threads_blas": n}


def pin_torch(torch: ModuleType, n: int) -> dict[str, int]:
    """PyTorch's intra-op threads, and inter-op ones while they can still be set."""
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(n)
    except RuntimeError:  # only settable before the first parallel work
        pass
    return {"threads_torch": torch.get_num_threads()}


def pin_tensorflow(tf: ModuleType, n: int) -> dict[str, int]:
    """TensorFlow's intra- and inter-op pools (settable only before its runtime starts)."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:  # the runtime already started in this process
        pass
    return {
        "threads_tf_intra": tf.config.threading.get_intra_op_parallelism_threads(),
        "threads_tf_inter": tf.config.threading.get_inter_op_parallelism_threads(),
    }
