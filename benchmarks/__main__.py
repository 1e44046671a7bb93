"""``python -m benchmarks`` is the ``scratchbench`` command."""

import sys

from .cli import main

sys.exit(main())
