"""The yearly "Stand van zaken" report: the parliamentary questions of domain.md answered for
one year from the registry, activities and subsidy services (read through the gateway's
adapters), with what is missing said in the report itself.

`source` is the port (what the assembly reads), `upstream` its HTTP implementation,
`assemble` builds the `model.YearReport` (also the GraphQL type of `report(year)`, made so
by `graphql_type`), `tables` turns it into sections of rows, and
`render` writes those as Markdown, a sectioned CSV or an xlsx workbook; `report_field` is
the ops GraphQL field `report(year)` (graphql_api puts it in the root Query).
"""
