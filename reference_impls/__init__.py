"""One model, four implementations (scratch, Keras, PyTorch, scikit-learn) behind one
interface, all built from a single ``ModelSpec``."""
