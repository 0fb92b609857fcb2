"""`python -m typedb`: the same CLI as the `typedb` console script."""

import sys

from typedb.cli import main

if __name__ == "__main__":
    sys.exit(main())
