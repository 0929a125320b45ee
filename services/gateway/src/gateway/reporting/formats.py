"""The formats the report is written in (render.py writes them), apart so that the `stem`
command line can offer them without importing the report's model."""

FORMATS = ("md", "csv", "xlsx")
