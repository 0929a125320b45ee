"""The GraphQL API assembled: the root Query over the partner, ops and report fields, the
schema with its protection (limits, cost) and execution, and the schema contract check."""
