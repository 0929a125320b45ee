"""The query string of a feed URL: the partner key and the activities filter."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from gateway.adapters.activities import ActivityFilters


class FeedQuery(BaseModel):
    key: str | None = Field(default=None, description="Partner API key (or X-API-Key)")
    start: datetime | None = Field(default=None, alias="from", description="Occurring on or after")
    end: datetime | None = Field(default=None, alias="to", description="Occurring on or before")
    province: str | None = Field(default=None, max_length=50)
    nis_code: list[str] = Field(default_factory=list, description="Municipality NIS codes")
    academy_id: str | None = Field(default=None, max_length=100)
    theme_id: list[str] = Field(default_factory=list, description="UiTdatabank theme ids (any)")
    age: int | None = Field(default=None, ge=0, le=150)
    q: str | None = Field(default=None, max_length=200, description="Text in name or place")
    limit: int = Field(default=100, ge=1, le=200, description="Most activities in the feed")
    lang: Literal["nl", "fr", "de", "en"] = Field(
        default="nl",
        description="Language of names and descriptions; an activity without it: its main "
        "language, then nl",
    )

    def to_filters(self) -> ActivityFilters:
        return ActivityFilters(
            start=self.start,
            end=self.end,
            province=self.province,
            nis_codes=tuple(self.nis_code),
            academy_id=self.academy_id,
            theme_ids=tuple(self.theme_id),
            age=self.age,
            text=self.q,
        )
