"""A realistic, clearly labelled synthetic Flanders (issue 16): ~100 [DEMO] academies with
UiT organizers and recognition histories, and their 2019-2026 activities as UiTdatabank
JSON-LD, planned so that the platform's own rules give the published yearly figures.

    python -m tools.flanders generate [--small] [--out DIR]   # the files, and the plan's figures
    python -m tools.flanders load [--small]                   # through the registry API and webhook

Modules: `reference` (the registry's reference data, read as data), `registry` (academies,
recognition, roles, participants), `plan` (who reaches which municipality when),
`documents` (UiTdatabank shapes), `load` (the real intake). docs/adr/0014-synthetic-flanders.md.
"""
