"""`python -m neuronlab …` is the same as the `neuronlab` command."""

from .cli import main

if __name__ == "__main__":
    main()
