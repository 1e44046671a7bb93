"""Test networks written in the styles real from-scratch programs use (one module per style,
``style_*.py``), each correct by default and with one-line bugs behind ``bug=...``, and the
glue that hands each one to ``reference_impls.validate``. ``survey.py`` runs them all and
prints a verdict table. Not collected by pytest (no ``test_*`` modules here)."""
