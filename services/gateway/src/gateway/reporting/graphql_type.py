"""How a report class is at once plain data and its GraphQL type (one model, no mirror).

`report_type` is `strawberry.type` (a keyword-only dataclass with a GraphQL name and
description); a field made with `computed` is worked out from the others: GraphQL resolves it
with the function, Python reads it as a property, in the place the class declares it (the
order of the printed schema).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast, dataclass_transform

import strawberry
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

T = TypeVar("T")
C = TypeVar("C", bound=type)


def computed(
    fn: Callable[[Any], T], *, name: str | None = None, description: str | None = None
) -> T:
    """A field read from `fn(self)`; `name` when GraphQL calls it differently."""
    return strawberry.field(resolver=fn, name=name, description=description)


@dataclass_transform(kw_only_default=True, field_specifiers=(strawberry.field, StrawberryField))
def report_type(name: str, description: str) -> Callable[[C], C]:
    def wrap(cls: C) -> C:
        made = strawberry.type(cls, name=name, description=description)
        for field in get_object_definition(made, strict=True).fields:
            if field.base_resolver is not None:  # strawberry left the bare function there
                read = cast("Callable[[Any], Any]", field.base_resolver.wrapped_func)
                setattr(made, field.python_name, property(read))
        return made

    return wrap
