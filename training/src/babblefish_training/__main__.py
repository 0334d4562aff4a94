"""`python -m babblefish_training` runs the babblefish-train command line."""

import sys

from .cli import main

sys.exit(main())
