"""`python -m regwatch` is the `regwatch` command."""

from regwatch.cli import main

main()
