"""Which queries the response cache may keep, and which topics' events end their answers.

Only the partner part of the schema is cacheable: its data comes from the activities
service (announced on the activity topic, also when a registry change re-links an
activity: activities' `relink` announces every activity it changes), from the registry
(academy and municipality topics) and, for reach, from the subsidy service (reach topic).
Ops fields (quarantine, dead letters, subsidies, reports...) change without an event the
gateway reads, so a query that asks any of them is never cached.

Every cacheable query depends on the activity and both registry topics (an activity page
names academies and municipalities; registry changes are rare); it depends on the reach
topic only when it asks a reach field, so the reach events that follow every activity
change do not end calendar pages twice. The document is walked whole (every operation and
fragment), so nothing a query can ask escapes the check.
"""

from __future__ import annotations

from graphql import GraphQLSchema, TypeInfo, TypeInfoVisitor, Visitor, parse, visit
from graphql.error import GraphQLError
from graphql.language import FieldNode, OperationDefinitionNode, OperationType

from stemkit.contracts.activities import ACTIVITY_TOPIC as TOPIC_ACTIVITY
from stemkit.contracts.registry import ACADEMY_TOPIC as TOPIC_ACADEMY
from stemkit.contracts.registry import MUNICIPALITY_TOPIC as TOPIC_MUNICIPALITY
from stemkit.contracts.subsidy import REACH_TOPIC as TOPIC_REACH

ALWAYS = frozenset({TOPIC_ACTIVITY, TOPIC_ACADEMY, TOPIC_MUNICIPALITY})
TOPICS = ALWAYS | {TOPIC_REACH}

# Root fields a partner page is made of (and GraphQL's own __typename).
CACHEABLE_ROOTS = frozenset(
    {
        "activity",
        "activities",
        "academy",
        "academies",
        "municipalities",
        "coverage",
        "uncoveredMunicipalities",
        "__typename",
    }
)
# Fields whose answer is the subsidy service's reach.
REACH_FIELDS = frozenset(
    {
        "Academy.reach",
        "Municipality.reached",
        "Municipality.reachedBy",
        "Query.coverage",
        "Query.uncoveredMunicipalities",
    }
)


class _Collect(Visitor):
    def __init__(self, info: TypeInfo) -> None:
        super().__init__()
        self.info = info
        self.cacheable = True
        self.reach = False

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.info.get_parent_type()
        name = node.name.value
        if parent is None:
            self.cacheable = False  # a field the schema does not know: let GraphQL say so
            return
        if parent.name == "Query" and name not in CACHEABLE_ROOTS:
            self.cacheable = False
        if f"{parent.name}.{name}" in REACH_FIELDS:
            self.reach = True


def cache_tags(schema: GraphQLSchema, query: str) -> frozenset[str] | None:
    """The topics whose events end this query's answers; None: never cache it."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if any(o.operation is not OperationType.QUERY for o in operations):
        return None
    info = TypeInfo(schema)
    collect = _Collect(info)
    visit(document, TypeInfoVisitor(info, collect))
    if not collect.cacheable:
        return None
    return ALWAYS | {TOPIC_REACH} if collect.reach else ALWAYS
