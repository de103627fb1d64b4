"""The errcode table and the messages, classes and reprs it produces."""

from __future__ import annotations

import pickle

import pytest

from wechat import (
    ERRCODES,
    AmbiguousWriteError,
    APIError,
    AuthError,
    ConflictError,
    InvalidRequestError,
    NeedsPlatformError,
    NotFoundError,
    PermissionDeniedError,
    QuotaError,
    ServerBusyError,
    TokenError,
    TransportError,
    WeChatError,
    api_error,
)
from wechat.errors import split_rid

# Every errcode that appears in a table of /work/shared/reference/wechat-api.md.
REFERENCE_TABLE_CODES = {
    -1, 40001, 40002, 40013, 40125, 40164, 41002, 41004, 45009,  # §1.1
    40014, 41001, 42001, 48001, 61007, 41018,  # §1.3 using a token
    85015, 85016, 85017, 85018, 85301, 47001,  # §2.1
    89019, 89020, 89021, 89022, 89231,  # §2.6
    85001, 85002, 85003, 85004,  # §3.1
    80601, 80602, 80603, 80604, 80605,  # §3.3 miniprogram-mp-ci
    53300, 53301, 53302, 53303, 53304, 53305, 53306, 53307, 53308, 53309, 53310, 53311, 85008, 85077,  # §4.5
    85013, 85014, 85043, 85044, 85045, 85046, 85047, 85048,  # §5.1
    85006, 85007, 85009, 85010, 85011, 85023, 85051, 85085, 85086, 85087, 85092, 85093, 85094,  # §5.2
    86002, 86007, 86008, 86009, 86010, 87006, 61039, 61040,
}
# Codes the reference names in prose (token errors, statuses, quotas ...).
REFERENCE_PROSE_CODES = {
    40243, 61003, 61004, 61005, 61006, 61011, 61023, 86000, 45011, 44002, 40007, 41033, 53200, 53201,
    53202, 53204, 91002, 91005, 91007, 91011, 91019, 86069, 86071, 86074, 87072, 85012, 85058, 86001,
    87013, 85019, 85020, 85052, 87011, 87012, 85079, 85080, 85081, 85082, 85064, 85065, 76021, 76022, 86103,
}


def test_table_covers_every_code_in_the_reference() -> None:
    assert REFERENCE_TABLE_CODES - set(ERRCODES) == set()
    assert REFERENCE_PROSE_CODES - set(ERRCODES) == set()
    assert len(ERRCODES) >= 150


@pytest.mark.parametrize("code", sorted(ERRCODES))
def test_every_row_is_complete(code: int) -> None:
    row = ERRCODES[code]
    assert row.name and row.meaning and row.advice
    assert issubclass(row.error, APIError)
    assert isinstance(api_error(code, "", "wxa/x"), row.error)


def test_the_85009_message_reads_as_documented() -> None:
    err = api_error(85009, "already submit a version under auditing rid: 619476dc-0f37484a-046e354d",
                    "wxa/submit_audit")
    assert type(err) is ConflictError
    assert str(err) == (
        "wxa/submit_audit failed: errcode 85009 (already submit a version under auditing): another version "
        "of this mini-program is under audit. What to do: wait for the audit result, or withdraw it with "
        "undo_audit (5 a day, 10 a month). rid: 619476dc-0f37484a-046e354d")
    assert (err.errcode, err.errmsg, err.endpoint, err.rid) == (
        85009, "already submit a version under auditing", "wxa/submit_audit", "619476dc-0f37484a-046e354d")
    assert repr(err) == ("ConflictError(errcode=85009, endpoint='wxa/submit_audit', "
                         "rid='619476dc-0f37484a-046e354d')")


def test_48001_says_the_call_needs_a_platform() -> None:
    err = api_error(48001, "api unauthorized rid: 1-2-3", "wxa/release")
    assert isinstance(err, NeedsPlatformError) and isinstance(err, PermissionDeniedError)
    assert ("this call needs a third-party platform authorization (authorizer_access_token); an owner token "
            "cannot do it") in str(err)
    assert str(err).startswith("wxa/release failed: errcode 48001 (api unauthorized): ")


@pytest.mark.parametrize(("code", "cls"), [
    (-1, ServerBusyError), (40001, TokenError), (42001, TokenError), (40125, AuthError), (61023, AuthError),
    (45009, QuotaError), (45011, QuotaError), (85085, QuotaError), (87013, QuotaError), (53200, QuotaError),
    (53202, QuotaError), (85004, ConflictError), (85052, ConflictError), (85082, ConflictError),
    (85012, NotFoundError), (85064, NotFoundError), (47001, InvalidRequestError),
    (44002, InvalidRequestError),
    (61007, PermissionDeniedError), (86000, NeedsPlatformError),
])
def test_class_per_errcode(code: int, cls: type[APIError]) -> None:
    assert type(api_error(code, "x", "p")) is cls


def test_45009_advises_clear_quota() -> None:
    text = str(api_error(45009, "reach max api daily quota limit", "wxa/get_page"))
    assert "clear_quota" in text and "(reach max api daily quota limit)" in text


def test_unknown_errcode_still_reads_clearly() -> None:
    err = api_error(99999, "something new hint: [xYz01]", "wxa/brand_new")
    assert type(err) is APIError
    assert str(err) == (
        "wxa/brand_new failed: errcode 99999 (something new): an errcode this client's table does not list. "
        "What to do: look it up at https://developers.weixin.qq.com/doc/oplatform/Return_codes/"
        "Return_code_descriptions_new.html. rid: xYz01")


def test_empty_errmsg_falls_back_to_the_table_name() -> None:
    assert "(gray percentage too low)" in str(api_error(85082, "", "wxa/grayrelease"))


@pytest.mark.parametrize(("errmsg", "text", "rid"), [
    ("ok", "ok", None),
    ("invalid credential rid: 5f1a-22", "invalid credential", "5f1a-22"),
    ("user already bind hint: [Ab9]", "user already bind", "Ab9"),
])
def test_split_rid(errmsg: str, text: str, rid: str | None) -> None:
    assert split_rid(errmsg) == (text, rid)


def test_errors_pickle_round_trip() -> None:
    err = api_error(85009, "already submit rid: r-1", "wxa/submit_audit")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is ConflictError and str(back) == str(err) and back.rid == "r-1"
    amb = pickle.loads(pickle.dumps(AmbiguousWriteError("boom", endpoint="wxa/commit")))
    assert type(amb) is AmbiguousWriteError and amb.endpoint == "wxa/commit" and str(amb) == "boom"


def test_the_tree() -> None:
    assert issubclass(AmbiguousWriteError, TransportError) and issubclass(TransportError, WeChatError)
    assert issubclass(APIError, WeChatError) and not issubclass(APIError, TransportError)
