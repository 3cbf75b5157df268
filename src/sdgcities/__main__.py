"""``python -m sdgcities``: the same command line as the ``sdgcities`` script.

For example ``python -X importtime -m sdgcities --help`` shows what start-up imports.
"""

from sdgcities.cli import main

if __name__ == "__main__":
    main()
