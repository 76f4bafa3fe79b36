"""`python -m loquent_desktop` (also the PyInstaller entry point)."""

import sys

from loquent_desktop.cli import main

sys.exit(main())
