"""The root Query and the schema (exported as SDL by `gateway.entrypoints.cli export-schema`)."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry.types import ExecutionContext

from gateway.adapters.activities import listed
from gateway.adapters.upstreams import UpstreamError
from gateway.graphql_api.execution import PlainLeafExecution
from gateway.graphql_api.protection import extensions
from gateway.ops_api import audit as ops_audit
from gateway.ops_api import dead_letters as ops_dead_letters
from gateway.ops_api import follow_up as ops_follow_up
from gateway.ops_api import organizers as ops_organizers
from gateway.ops_api import participants as ops_participants
from gateway.ops_api import places as ops_places
from gateway.ops_api import quarantine as ops_quarantine
from gateway.ops_api import reviews as ops_reviews
from gateway.ops_api import subsidy as ops_subsidy
from gateway.partner_api import calendar, partner
from gateway.partner_api import coverage as reach
from gateway.partner_api.activity_details import Language
from gateway.partner_api.types import Academy, Activity, Municipality
from gateway.reporting import report_field as yearly
from gateway.reporting.model import YearReport
from gateway.schema.context import Resolve
from gateway.schema.paging import Connection


async def _activity(
    info: Resolve, id: strawberry.ID, languages: list[Language] | None = None
) -> Activity | None:
    found = await info.context.loaders.activities.load(id)
    if found is None or (info.context.caller.kind == "partner" and not listed(found)):
        return None  # partners see only what the STEM-kalender lists; ops see every one
    return Activity.of(found, languages)


async def _academy(info: Resolve, id: strawberry.ID) -> Academy | None:
    found = await info.context.loaders.academies.load(id)
    return None if found is None else Academy.of(found)


log = logging.getLogger("gateway.graphql")


@strawberry.type
class Query:
    activity: Activity | None = strawberry.field(
        resolver=_activity,
        description="One activity of the STEM-kalender, by UiTdatabank id (partners: only a "
        "listed one, of an academy); texts in the first of `languages` it has",
    )
    academy: Academy | None = strawberry.field(resolver=_academy, description="One academy, by id")
    activities: Connection[Activity] | None = strawberry.field(
        resolver=calendar.activities,
        description="The STEM-kalender by filter, in start order; `first` (1..100) is required",
    )
    academies: Connection[Academy] | None = strawberry.field(
        resolver=partner.academies,
        description="Academies by name; `first` (1..100) is required",
    )
    municipalities: list[Municipality] | None = strawberry.field(
        resolver=partner.municipalities,
        description="The municipalities of a year (valid on at least one of its days)",
    )
    coverage: reach.Coverage | None = strawberry.field(
        resolver=reach.coverage,
        description="Municipalities reached in a year, of the total, per province",
    )
    uncovered_municipalities: list[reach.UncoveredMunicipality] | None = strawberry.field(
        resolver=reach.uncovered,
        description="Municipalities not reached in a year, with the nearest active academies",
    )
    subsidies: list[ops_subsidy.Subsidy] | None = ops_subsidy.subsidies
    calculation_runs: list[ops_subsidy.CalculationRun] | None = ops_subsidy.calculation_runs
    calculation_diff: JSON | None = ops_subsidy.calculation_diff
    what_if: JSON | None = ops_quarantine.what_if
    quarantine: ops_quarantine.QuarantinePage | None = ops_quarantine.quarantine
    unknown_organizers: list[ops_organizers.UnknownOrganizer] | None = (
        ops_organizers.unknown_organizers
    )
    place_disagreements: ops_places.PlaceDisagreements | None = ops_places.place_disagreements
    dead_letters: list[ops_dead_letters.DeadLetter] | None = ops_dead_letters.dead_letters
    recognition_reviews_due: list[ops_reviews.ReviewDue] | None = ops_reviews.reviews_due
    participant_reports: list[ops_participants.ParticipantReport] | None = (
        ops_participants.participant_reports
    )
    reporting_completeness: ops_participants.ReportingCompleteness | None = (
        ops_participants.reporting_completeness
    )
    municipality_follow_ups: list[ops_follow_up.MunicipalityFollowUp] | None = (
        ops_follow_up.municipality_follow_ups
    )
    report: YearReport | None = yearly.report
    audit_trail: list[ops_audit.AuditEntry] | None = ops_audit.audit_trail


class _Schema(strawberry.Schema):
    """Client mistakes (syntax, validation, limits, permissions, upstreams down) are logged
    at INFO in one line; only unexpected exceptions go to ERROR with their traceback."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, GraphQLError | UpstreamError):
                log.info("graphql error: %s (path %s)", error.message, error.path)
            else:
                log.error("graphql resolver failed at %s", error.path, exc_info=original)


def make_schema(
    max_depth: int = 10, max_aliases: int = 15, max_tokens: int = 2000
) -> strawberry.Schema:
    """The schema with its guards; the limits do not change the SDL."""
    return _Schema(
        query=Query,
        extensions=extensions(max_depth, max_aliases, max_tokens),
        execution_context_class=PlainLeafExecution,
    )


schema = make_schema()
