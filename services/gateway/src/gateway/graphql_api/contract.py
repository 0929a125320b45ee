"""The GraphQL contract: which changes between two SDLs break partners.

graphql-core's `find_breaking_changes` lists removals and type changes; a removal is
allowed only when the old schema had already deprecated what is removed (a field, an
argument or an enum value), so partners were warned first. Everything else breaks.
"""

from __future__ import annotations

import re

from graphql import (
    BreakingChange,
    BreakingChangeType,
    GraphQLEnumType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
)

# graphql-core 3.3's wording of the descriptions.
_REMOVED_FIELD = re.compile(r"^Field (\w+)\.(\w+) was removed\.$")
_REMOVED_ARG = re.compile(r"^Argument (\w+)\.(\w+)\((\w+):\) was removed\.$")
_REMOVED_VALUE = re.compile(r"^Enum value (\w+)\.(\w+) was removed\.$")


def unannounced_breaking_changes(old_sdl: str, new_sdl: str) -> list[str]:
    """The breaking changes from `old_sdl` to `new_sdl` that were not deprecated first."""
    old = build_schema(old_sdl)
    changes = find_breaking_changes(old, build_schema(new_sdl))
    return [change.description for change in changes if not _announced(old, change)]


def _announced(old: GraphQLSchema, change: BreakingChange) -> bool:
    text = change.description
    if change.type == BreakingChangeType.FIELD_REMOVED and (found := _REMOVED_FIELD.match(text)):
        owner = old.get_type(found[1])
        if isinstance(owner, GraphQLObjectType) and found[2] in owner.fields:
            return owner.fields[found[2]].deprecation_reason is not None
    if change.type == BreakingChangeType.ARG_REMOVED and (found := _REMOVED_ARG.match(text)):
        owner = old.get_type(found[1])
        if isinstance(owner, GraphQLObjectType) and found[2] in owner.fields:
            argument = owner.fields[found[2]].args.get(found[3])
            return argument is not None and argument.deprecation_reason is not None
    if change.type == BreakingChangeType.VALUE_REMOVED_FROM_ENUM and (
        found := _REMOVED_VALUE.match(text)
    ):
        enum = old.get_type(found[1])
        if isinstance(enum, GraphQLEnumType) and found[2] in enum.values:
            return enum.values[found[2]].deprecation_reason is not None
    return False
