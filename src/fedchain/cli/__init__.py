"""The ``fedchain`` command line: wiring only; each command lives in its own module."""
