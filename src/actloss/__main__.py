import sys

from actloss.cli import main

sys.exit(main())
