"""``python -m cnnlib``: the same as the ``cnnlib`` command."""

import sys

from cnnlib.cli import main

sys.exit(main())
