"""`stem`, the project's command line (the gateway package's `[project.scripts]` entry):
commands for the whole platform, reading the services the way the gateway does. Today it
has one: `stem report` (`main.py`). `python -m gateway.stem_cli` runs it too."""
