"""The pages' data: the gateway's own GraphQL operations, executed in-process.

The pages ask exactly what a GraphQL client would, through the same schema, resolvers,
loaders, scope checks and cost budget (the signed-in ops token pays), so a page and the API
cannot disagree. Each answer keeps its errors per top-level field: a section without its
scope, or whose upstream is down, says so while the rest of the page is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from strawberry.schema.base import BaseSchema

from gateway.adapters.upstreams import Upstreams
from gateway.schema.context import Caller, Context, Guard
from gateway.schema.loaders import make_loaders

REACH = """
query OpsReach($year: Int!) {
  coverage(year: $year) {
    year reached total
    provinces { province reached total reachedNisCodes notReachedNisCodes }
  }
  municipalities(year: $year) { nisCode name province reachedBy { id name } }
  uncoveredMunicipalities(year: $year) {
    nisCode name province nearestAcademies { academyId name km }
  }
  municipalityFollowUps(year: $year) {
    nisCode reason explanation initiative noInitiativeReason author recordedAt
  }
}
"""

DETAIL = """
query OpsMunicipality($year: Int!, $from: DateTime!, $to: DateTime!, $nisCodes: [String!]!) {
  municipalities(year: $year) { nisCode name province reachedBy { id name } }
  activities(first: 50, filter: {from: $from, to: $to, nisCodes: $nisCodes}) {
    nodes { id name occurrences { start } academy { id name } }
  }
}
"""

FOLLOW_UP = """
query OpsFollowUp($year: Int!, $before: Date!) {
  recognitionReviewsDue(before: $before) { academyId status validFrom validUntil }
  reportingCompleteness(year: $year) { year recognised reported share notReported }
  subsidies(year: $year) { academyId role callId paidEur illustrative }
  academies(first: 100) { nodes { id name } }
}
"""

PARTICIPANT_REPORTS = """
query OpsParticipantReports($academyId: ID!, $year: Int!) {
  participantReports(academyId: $academyId, year: $year) {
    academyId year quarter participants under14 from14 reportedOn
  }
}
"""

INGESTION = """
query OpsIngestion {
  quarantine(first: 20) { total items { webhookId source reason receivedAt attempts } }
  unknownOrganizers(first: 20) { organizerId name activities deliveries lastSeen }
  placeDisagreements(first: 20) {
    count items { activityId name postalCode locality periods { first last nisCode disagreement } }
  }
  activitiesDeadLetters: deadLetters(service: ACTIVITIES, limit: 20) {
    writtenAt consumer reasonType reason originalTopic
  }
  subsidyDeadLetters: deadLetters(service: SUBSIDY, limit: 20) {
    writtenAt consumer reasonType reason originalTopic
  }
}
"""


def coverage_trend(years: range) -> str:
    """Reached / total for each year, one alias a year (at most 15, the aliases limit)."""
    fields = " ".join(f"y{y}: coverage(year: {y}) {{ year reached total }}" for y in years)
    return f"query OpsTrend {{ {fields} }}"


@dataclass(frozen=True)
class Answer:
    data: Mapping[str, Any]
    errors: Mapping[str, str] = field(default_factory=dict)  # top-level field -> message

    def error(self, name: str) -> str | None:
        """The error of a top-level field, or of the whole operation (e.g. its cost)."""
        return self.errors.get(name) or self.errors.get("*")


@dataclass(frozen=True)
class Executor:
    """Runs the pages' operations on the gateway's schema, as the signed-in caller."""

    schema: BaseSchema
    guard: Guard

    async def run(
        self, request: Request, caller: Caller, query: str, variables: Mapping[str, Any]
    ) -> Answer:
        upstreams: Upstreams = request.app.state.upstreams
        context = Context(make_loaders(upstreams, self.guard.municipalities), caller, self.guard)
        result = await self.schema.execute(
            query, variable_values=dict(variables), context_value=context
        )
        errors: dict[str, str] = {}
        for error in result.errors or []:
            where = str(error.path[0]) if error.path else "*"
            errors.setdefault(where, error.message)
        return Answer(result.data or {}, errors)
