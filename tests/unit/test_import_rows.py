"""Reading a posts CSV: every problem is one row's error, with its lines; only the header fails a file."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.imports.rows import (
    MAX_BODY_CHARS,
    MAX_LINE_BYTES,
    MAX_TITLE_CHARS,
    MAX_USER_ID,
    BadHeader,
    NotText,
    Row,
    check_first_line,
    parse_user_id,
    read_rows,
)

HEADER = b"userId,title,body\n"


def rows(content: bytes) -> list[Row]:
    return list(read_rows(io.BytesIO(content)))


def problems(content: bytes) -> list[tuple[int, str | None]]:
    return [(row.line, row.problem) for row in rows(content)]


# Signs, other scripts' digits (superscript two, full-width and Arabic-Indic one), out of range, not whole.
NOT_USER_IDS = ["--5", "-5", "+5", "\u00b2", "\uff11", "\u0661", "0", "2147483648", "1" * 39]


@pytest.mark.parametrize("raw", [*NOT_USER_IDS, "1.0", "1e3", "0x10", "1_000", "", "5 5"])
def test_a_user_id_is_ascii_digits_from_1_to_2_31_minus_1(raw: str) -> None:
    assert parse_user_id(raw) is None
    [row] = rows(HEADER + f"{raw},title,body\n".encode())
    assert row.problem == f"userId {raw!r} is not a whole number from 1 to {MAX_USER_ID:,}"
    assert row.user_id is None


@pytest.mark.parametrize(("raw", "value"), [("1", 1), (" 42 ", 42), ("007", 7), (str(MAX_USER_ID), MAX_USER_ID)])
def test_valid_user_ids(raw: str, value: int) -> None:
    assert parse_user_id(raw) == value


@given(st.text(max_size=12))
def test_any_user_id_text_is_a_number_in_range_or_none_never_an_error(raw: str) -> None:
    value = parse_user_id(raw)
    assert value is None or (1 <= value <= MAX_USER_ID and raw.strip().isascii())


def test_a_hostile_file_gives_each_bad_row_its_line_and_reason_and_keeps_the_good_ones() -> None:
    content = (
        HEADER
        + b"1,first,hello\n"  # 2
        + "--5,a,b\n\u00b2,a,b\n\uff11,a,b\n".encode()  # 3-5
        + b"1" * 39
        + b",a,b\n"  # 6
        + b"2,second,ok\n"  # 7
        + b"3,"
        + b"t" * (MAX_TITLE_CHARS + 1)
        + b",b\n"  # 8
        + b"4,a,"
        + b"b" * (MAX_BODY_CHARS + 1)
        + b"\n"  # 9
        + b"5,nul\0here,b\n"  # 10
        + b"6,bad \xff byte,b\n"  # 11
        + b"7,third,ok\n"  # 12
        + b'8,"unclosed,b\n9,never,sent\n10,nor,this\n'  # 13-15
    )
    found = rows(content)
    assert [(row.line, row.user_id, row.title) for row in found if not row.problem] == [
        (2, 1, "first"),
        (7, 2, "second"),
        (12, 7, "third"),
    ]
    assert [(row.line, row.problem) for row in found if row.problem] == [
        (3, f"userId '--5' is not a whole number from 1 to {MAX_USER_ID:,}"),
        (4, f"userId '\u00b2' is not a whole number from 1 to {MAX_USER_ID:,}"),
        (5, f"userId '\uff11' is not a whole number from 1 to {MAX_USER_ID:,}"),
        (6, f"userId '{'1' * 39}' is not a whole number from 1 to {MAX_USER_ID:,}"),
        (8, f"title has {MAX_TITLE_CHARS + 1:,} characters, at most {MAX_TITLE_CHARS:,}"),
        (9, f"body has {MAX_BODY_CHARS + 1:,} characters, at most {MAX_BODY_CHARS:,}"),
        (10, "line 10 holds a NUL byte (at column 6)"),
        (11, "line 11 is not UTF-8 (byte 0xff at column 7)"),
        (
            13,
            "a quoted field is never closed (a missing quote?): the row runs to the end of the file"
            " (the row spans lines 13-15)",
        ),
    ]


def test_an_overlong_line_is_one_bad_row_and_reading_goes_on() -> None:
    huge = b"1,title," + b"x" * (3 * MAX_LINE_BYTES) + b"\n"
    assert problems(HEADER + huge + b"2,next,row\n") == [
        (2, f"line 2 is longer than {MAX_LINE_BYTES:,} bytes"),
        (3, None),
    ]
    assert problems(HEADER + b"2,first,row\n" + huge[:-1]) == [
        (2, None),
        (3, f"line 3 is longer than {MAX_LINE_BYTES:,} bytes"),
    ]


def test_a_field_spanning_too_many_lines_is_one_bad_row_naming_them_and_reading_goes_on() -> None:
    swallowed = b"".join(b"%d,some,text\n" % n for n in range(20_000))  # > 131,072 characters
    content = HEADER + b'1,"opened,b\n' + swallowed + b"2,after,it\n"
    found = rows(content)
    first = found[0]
    assert first.line == 2
    assert first.problem is not None
    assert first.problem.startswith("a field is longer than 131,072 characters (a missing quote?)")
    assert first.problem.endswith(f"(the row spans lines 2-{first.last_line})")
    # Every line is in some row: none vanish.
    assert found[-1].line == 20_003
    assert found[-1].title == "after"
    assert [row.line for row in found[1:]] == list(range(first.last_line + 1, 20_004))


def test_text_after_a_closing_quote_is_that_rows_error() -> None:
    assert problems(HEADER + b'1,"a"b,c\n2,d,e\n') == [
        (2, 'text follows a quoted field\'s closing quote (write a quote inside one as "")'),
        (3, None),
    ]


def test_a_carriage_return_inside_an_unquoted_field_is_that_rows_error() -> None:
    assert problems(HEADER + b'1,a\rb,c\n2,"d\re",f\n') == [
        (2, "a carriage return inside a field that is not quoted (quote the field to keep it)"),
        (3, None),
    ]


def test_quoted_fields_may_span_lines_and_hold_quotes() -> None:
    [row] = rows(HEADER + b'1,"say ""hi""","two\r\nlines"\r\n')
    assert (row.line, row.last_line, row.title, row.body, row.problem) == (2, 3, 'say "hi"', "two\r\nlines", None)


def test_a_bom_blank_lines_and_spaces_around_fields_are_taken() -> None:
    found = rows(b"\xef\xbb\xbf" + HEADER + b"\n \n 3 , title , body \n")
    assert [(row.line, row.user_id, row.title, row.body) for row in found] == [(4, 3, "title", "body")]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"user,title,text\n1,a,b\n", BadHeader),
        (b"\x89PNG\r\n\x1a\n\x00\x00", NotText),
        (b"userId,ti\0tle,body\n", NotText),
        (b"userId,title," + b"b" * MAX_LINE_BYTES + b"\n", BadHeader),
        (b"", BadHeader),
        (b'"userId" ,title,body\n1,a,b\n', BadHeader),
    ],
)
def test_only_a_bad_first_line_fails_the_whole_file_at_upload_and_in_the_worker(
    content: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error):
        check_first_line(content[: MAX_LINE_BYTES + 1])
    with pytest.raises(error):
        rows(content)


@given(st.binary(max_size=300))
def test_any_bytes_after_the_header_are_rows_never_an_exception(tail: bytes) -> None:
    found = rows(HEADER + tail)
    lines = [row.line for row in found]
    assert lines == sorted(set(lines))
    for row in found:
        assert (row.problem is None) == (row.user_id is not None and bool(row.title) and bool(row.body))
