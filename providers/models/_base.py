"""The spec model base: unknown keys refused, cross-field rules reported with field errors, shared types.

Every problem in a block is reported in one pass. Pydantic already collects every field error; the
rules that need several fields (required-when, one-of, limits that depend on the account) are
`cross_check()` hooks that read the *raw* input, so they report alongside field errors instead of
waiting for the fields to be fixed first. Nothing here does I/O at import time.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

if TYPE_CHECKING:
    from providers.models.account import AccountSpec

Loc = tuple[str | int, ...]
Issue = tuple[Loc, str]  # (location relative to the model being validated, message)

CONTEXT_KEY = "wechat_spec"


@dataclass(frozen=True)
class SpecContext:
    """What validation may know beyond the block itself; pass it as `context=ctx.as_context()`.

    - `spec_dir`: relative paths in the spec (avatar, source folder) are relative to it;
      without it they are relative to the working directory.
    - `account`: lets `TestersSpec`/`DevelopersSpec` check member limits when validated alone.
    """

    spec_dir: Path | None = None
    account: AccountSpec | None = None

    def as_context(self) -> dict[str, Any]:
        return {CONTEXT_KEY: self}

    def resolve(self, path: str) -> Path:
        candidate = Path(path)
        if candidate.is_absolute() or self.spec_dir is None:
            return candidate
        return self.spec_dir / candidate


def spec_context(info: ValidationInfo | None) -> SpecContext:
    context = info.context if info is not None else None
    if isinstance(context, dict) and isinstance(context.get(CONTEXT_KEY), SpecContext):
        return context[CONTEXT_KEY]
    return SpecContext()


def rebase(path: Path) -> str:
    """A path relative to the working directory, so a dumped spec works in the provider host too
    (Pulumi runs the program and the providers from the project directory)."""
    return Path(os.path.relpath(path)).as_posix()


def fail(message: str) -> PydanticCustomError:
    """The error every spec rule raises: no context, so the message is shown exactly as written."""
    return PydanticCustomError("spec_rule", message)


def show(value: object, limit: int = 40) -> str:
    """A short, single-line, quoted rendering of user input for a message."""
    text = value if isinstance(value, str) else repr(value)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return "'" + text.encode("unicode_escape").decode("ascii").replace("'", "\\'") + "'"


def merged_error(
    title: str,
    error: ValidationError | None,
    issues: list[Issue],
    rename: Callable[[dict[str, Any]], str] | None = None,
) -> ValidationError:
    """One ValidationError holding pydantic's errors (messages optionally rewritten) and our issues."""
    details: list[InitErrorDetails] = []
    for item in error.errors() if error is not None else []:
        message = rename(dict(item)) if rename is not None else item["msg"]
        details.append(
            InitErrorDetails(type=PydanticCustomError(item["type"], message), loc=item["loc"], input=item["input"])
        )
    details += [InitErrorDetails(type=fail(message), loc=loc, input=None) for loc, message in issues]
    return ValidationError.from_exception_data(title, details)


def unknown_field_message(key: object, fields: Iterable[str]) -> str:
    names = list(fields)
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6) if isinstance(key, str) else []
    if close:
        return f"unknown field; did you mean {close[0]!r}?"
    return "unknown field; expected one of: " + ", ".join(names)


def raw(data: Any, *keys: str | int) -> Any:
    """`data[k1][k2]...` on unvalidated input, or None when the shape is not there."""
    for key in keys:
        if isinstance(key, str) and isinstance(data, dict):
            data = data.get(key)
        elif isinstance(key, int) and isinstance(data, list) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def given(data: Any, key: str) -> bool:
    """The raw mapping sets `key` to something other than null."""
    return isinstance(data, dict) and data.get(key) is not None


class SpecModel(BaseModel):
    """Base of every spec block: unknown keys are errors (with a 'did you mean'), and no value is
    silently coerced: YAML's `1.10` is not the text "1.10". Validation mode is lax only so that
    Pulumi's float numbers (3.0) read back as whole numbers; see `Int`, `Bool` and `Text`."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        hide_input_in_errors=True,  # credentials blocks must never echo what was pasted in
        regex_engine="python-re",
    )
    __test__: ClassVar[bool] = False  # pytest must not collect TestersSpec & co. as test classes

    @model_validator(mode="wrap")
    @classmethod
    def _report_cross_field_issues(cls, data: Any, handler: Callable[[Any], Any], info: ValidationInfo) -> Any:
        issues = cls.cross_check(data, info) if isinstance(data, dict) else []
        try:
            model = handler(data)
        except ValidationError as error:
            if not issues and not any(cls._is_own_unknown(item) for item in error.errors()):
                raise
            raise merged_error(cls.__name__, error, issues, cls._explain) from None
        if issues:
            raise merged_error(cls.__name__, None, issues)
        return model

    @staticmethod
    def _is_own_unknown(item: Any) -> bool:
        return bool(item["type"] == "extra_forbidden" and len(item["loc"]) == 1)

    @classmethod
    def _explain(cls, item: dict[str, Any]) -> str:
        """An unknown key of this model gets a 'did you mean' (nested models explained their own)."""
        if cls._is_own_unknown(item):
            return unknown_field_message(item["loc"][0], cls.model_fields)
        return str(item["msg"])

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        """Rules spanning several fields, on the raw mapping; must tolerate any shape of input."""
        return []

    def normalised(self) -> dict[str, Any]:
        """The canonical JSON form (what `check()` returns): sorted sets, lower-case hosts, no nulls."""
        return self.model_dump(mode="json", exclude_none=True)


# --- shared field types -------------------------------------------------------------------------

_YAML_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "true/false"),
    ((int, float), "a number"),
    ((dt.date, dt.datetime), "a date"),
    (type(None), "null"),
)


def _must_be_text(value: Any) -> Any:
    if isinstance(value, str):
        return value
    for kinds, name in _YAML_KINDS:
        if isinstance(value, kinds):
            raise fail(f"must be text, but YAML read {name} here: put the value in quotes")
    if isinstance(value, list | tuple):
        raise fail("must be text, not a list")
    if isinstance(value, dict):
        raise fail("must be text, not a mapping")
    raise fail("must be text")


def _whole_number(value: Any) -> Any:
    # Pulumi hands numbers back as floats (protobuf): 3.0 is 3; "3" and true are not numbers
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail("must be a whole number" + (" (without quotes)" if isinstance(value, str) else ""))
    if isinstance(value, float):
        if not value.is_integer():
            raise fail("must be a whole number")
        return int(value)
    return value


def _yes_no(value: Any) -> Any:
    if not isinstance(value, bool):
        raise fail("must be true or false" + (" (without quotes)" if isinstance(value, str) else ""))
    return value


Text = Annotated[str, BeforeValidator(_must_be_text)]
"""A string; YAML numbers, dates and booleans get a 'put it in quotes' message instead of coercion."""
WholeNumber = BeforeValidator(_whole_number)
"""Put it last: `Annotated[int, Strict(), Field(ge=1), WholeNumber]` keeps ge/le on the integer schema."""
Int = Annotated[int, Strict(), WholeNumber]
Bool = Annotated[bool, Strict(), BeforeValidator(_yes_no)]


@dataclass(frozen=True, eq=False)  # eq=False: hashable by identity, as typing needs for unions
class Check:
    """Run `function(value)` (or `function(value, info)`) after the type; add `schema` to the JSON Schema."""

    function: Callable[..., Any]
    schema: dict[str, Any] | None = None
    with_info: bool = False

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        inner = handler(source)
        if self.with_info:
            return core_schema.with_info_after_validator_function(self.function, inner)
        return core_schema.no_info_after_validator_function(self.function, inner)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        result = handler(schema)
        result.update(self.schema or {})
        return result


def max_chars(limit: int) -> Check:
    """At most `limit` characters (a Check, so the message and the schema say 'characters')."""

    def check(value: str) -> str:
        if len(value) > limit:
            raise fail(f"at most {limit} characters, got {len(value)}")
        return value

    return Check(check, {"maxLength": limit})


Limit = Callable[[ValidationInfo], tuple[int, str] | None]


@dataclass(frozen=True, eq=False)
class SetLike:
    """A list WeChat treats as a set: no duplicates (by `key`), at most `limit` items, sorted.

    `key` sees the raw item and returns its identity, or None when the item is too broken to tell
    (its own errors are reported by the item type). Duplicates and the count are reported together
    with the item errors. `limit` is a number or a function of the validation info (for limits that
    depend on the account), returning `(limit, explanation)`.
    """

    what: str
    key: Callable[[Any], Hashable | None]
    sort_key: Callable[[Any], Any] = lambda item: item
    limit: int | Limit | None = None
    min_items: int = 0
    min_message: str = ""
    keep_order: bool = False  # for lists whose order WeChat shows (audit pages)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.with_info_wrap_validator_function(self._validate, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        result = handler(schema)
        if isinstance(self.limit, int):
            result["maxItems"] = self.limit
        if self.min_items:
            result["minItems"] = self.min_items
        return result

    def _validate(self, value: Any, handler: Callable[[Any], Any], info: ValidationInfo) -> Any:
        issues: list[Issue] = []
        if isinstance(value, list):
            issues += self._count_issues(len(value), info)
            issues += self._duplicate_issues(value)
        try:
            items = handler(value)
        except ValidationError as error:
            if not issues:
                raise
            raise merged_error(self.what, error, issues) from None
        if issues:
            raise merged_error(self.what, None, issues)
        return items if self.keep_order else sorted(items, key=self.sort_key)

    def _count_issues(self, count: int, info: ValidationInfo) -> list[Issue]:
        if count < self.min_items:
            return [((), self.min_message or f"needs at least {self.min_items} {self.what}, got {count}")]
        bound = self.limit(info) if callable(self.limit) else (self.limit, "") if self.limit else None
        if bound is not None and count > bound[0]:
            return [((), f"at most {bound[0]} {self.what} allowed{bound[1]}, got {count}")]
        return []

    def _duplicate_issues(self, items: list[Any]) -> list[Issue]:
        seen: dict[Hashable, int] = {}
        issues: list[Issue] = []
        for index, item in enumerate(items):
            try:
                identity = self.key(item)
            except Exception:  # a broken item: its own error is reported by the item type
                identity = None
            if identity is None:
                continue
            if identity in seen:
                same = f" ({show(identity)})" if isinstance(identity, str) else ""
                issues.append(((index,), f"duplicate of [{seen[identity]}]{same}"))
            else:
                seen[identity] = index
        return issues
