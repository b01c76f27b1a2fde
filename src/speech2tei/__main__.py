"""``python -m speech2tei`` runs the command line."""

from .cli import main

main()
