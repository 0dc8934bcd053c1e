"""``python -m fedchain.cli`` runs the ``fedchain`` command."""

from fedchain.cli.app import main

if __name__ == "__main__":
    main()
