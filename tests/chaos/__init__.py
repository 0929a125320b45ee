"""The chaos suite: `python -m tests.chaos.run` (make chaos) and its small CI version."""
