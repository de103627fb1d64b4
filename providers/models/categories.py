"""Service categories (服务类目): pairs of WeChat category ids, managed as a set (§4.5)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict, Field, RootModel, Strict

from providers.models._base import SetLike, SpecModel, WholeNumber

CategoryId = Annotated[int, Strict(), Field(ge=1), WholeNumber]


class CategorySpec(SpecModel):
    """One category, by the ids wxopen/getallcategories lists (first level, second level)."""

    first: CategoryId
    """First-level category id."""
    second: CategoryId
    """Second-level category id."""


def _pair(item: Any) -> tuple[float, float] | None:
    if not isinstance(item, dict):
        return None
    first, second = item.get("first"), item.get("second")
    return (first, second) if isinstance(first, int | float) and isinstance(second, int | float) else None


class CategoriesSpec(
    RootModel[
        Annotated[
            list[CategorySpec],
            SetLike(
                "categories",
                key=_pair,
                sort_key=lambda item: (item.first, item.second),
                min_items=1,
                min_message="give at least one category, or remove the block to leave categories unmanaged",
            ),
        ]
    ]
):
    """The categories the mini-program should have; each is added with wxopen/addcategory."""

    model_config = ConfigDict(frozen=True)
    __test__: ClassVar[bool] = False

    def pairs(self) -> list[tuple[int, int]]:
        return [(item.first, item.second) for item in self.root]

    def normalised(self) -> list[dict[str, Any]]:
        return self.model_dump(mode="json", exclude_none=True)
