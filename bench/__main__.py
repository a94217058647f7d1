"""``python -m bench``: the benchmark suite (see ``bench.suite.run``)."""

import sys

from bench.suite.run import main

sys.exit(main())
