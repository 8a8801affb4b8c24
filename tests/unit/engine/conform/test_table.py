"""Conforming a table: every column type and every issue code, over whole columns."""

from __future__ import annotations

import datetime as dt

import polars as pl
from builders import conform, csv_bytes, issue_tuples

from cld.engine.conform.table import conform_table
from cld.engine.issues import CATALOGUE, IssueCode
from cld.engine.readers.csv import read_csv
from cld.engine.spec.load import load_spec
from cld.engine.spec.model import TableSpec

EPISODE_HEADER = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,"
    "HOME_POST,PL_POST,URN"
)

# A table of every column type the schema format has, for types SSDA903 lacks.
ALL_TYPES = TableSpec.model_validate(
    {
        "name": "t",
        "title": "All types",
        "columns": {
            "ID": {
                "label": "id",
                "type": "pattern",
                "pattern": "^[A-Z]\\d+$",
                "expected": "a letter then digits",
                "mandatory": True,
                "key": True,
                "sort": 1,
                "personal": "identifier",
                "max_length": 5,
            },
            "NOTE": {
                "label": "note",
                "type": "text",
                "max_length": 5,
                "personal": "free_text",
            },
            "AMOUNT": {"label": "amount", "type": "decimal", "min": 0, "max": 10.5},
            "COUNT": {"label": "count", "type": "integer", "min": 1},
            "LIMIT": {"label": "limit", "type": "integer", "max": 3},
            "WHEN": {"label": "when", "type": "date", "formats": ["%d/%m/%Y"]},
            "PC": {"label": "postcode", "type": "postcode", "personal": "postcode"},
            "FLAG": {
                "label": "flag",
                "type": "category",
                "codes": {
                    "1": {"label": "Yes", "aliases": ["Y", "true"]},
                    "0": {"label": "No", "aliases": ["N"]},
                },
            },
        },
    }
)


def conform_all_types(text: str):
    return conform_table(read_csv(csv_bytes(text)), ALL_TYPES, 2024)


def test_a_clean_episodes_table_has_no_issues_and_typed_columns():
    result = conform(
        f"""
        {EPISODE_HEADER}
        C2,01/05/2023,P,C2,N1,U1,PR1,,,,E1 6AN,N7 9AB,SC123456
        C1,01/04/2023,S,C2,N1,U1,PR1,01/05/2023,X1,CARPL,e16an,N79AB,SC123456
        """,
        "episodes",
    )
    assert result.issues.is_empty()
    frame = result.frame
    assert frame.columns == EPISODE_HEADER.split(",")
    assert frame["DECOM"].dtype == pl.Date
    # sorted by the table's sort order (CHILD, DECOM), postcodes normalised
    assert frame["CHILD"].to_list() == ["C1", "C2"]
    assert frame["HOME_POST"].to_list() == ["E1 6AN", "E1 6AN"]
    assert frame["DEC"].to_list() == [dt.date(2023, 5, 1), None]


def test_the_issue_example_from_a_council_officer():
    result = conform(
        f"""
        {EPISODE_HEADER}
        C1,01/04/2023,S,C2,N1,Z9,PR1,,,,,,
        """,
        "episodes",
    )
    (message,) = result.issues["message"].to_list()
    assert message.startswith(
        "PLACE 'Z9' is not a placement type code for 2024; valid codes are A3, A4, A5"
    )
    assert result.issues.row(0, named=True)["row"] == 2
    assert result.frame["PLACE"].to_list() == [None]


def test_every_type_parses_good_values():
    result = conform_all_types(
        """
        ID,NOTE,AMOUNT,COUNT,LIMIT,WHEN,PC,FLAG
        B2,hi,10.5,4.0,-2,2024-03-31,sw1a 2aa,Yes
        A1,,.5,+1,3,31/03/2024,SW1A2AA,y
        """
    )
    assert result.issues.is_empty()
    assert result.frame.to_dicts() == [
        {
            "ID": "A1",
            "NOTE": None,
            "AMOUNT": 0.5,
            "COUNT": 1,
            "LIMIT": 3,
            "WHEN": dt.date(2024, 3, 31),
            "PC": "SW1A 2AA",
            "FLAG": "1",
        },
        {
            "ID": "B2",
            "NOTE": "hi",
            "AMOUNT": 10.5,
            "COUNT": 4,
            "LIMIT": -2,
            "WHEN": dt.date(2024, 3, 31),
            "PC": "SW1A 2AA",
            "FLAG": "1",
        },
    ]


def test_every_cell_issue_code_with_a_null_in_its_place():
    result = conform_all_types(
        """
        ID,NOTE,AMOUNT,COUNT,LIMIT,WHEN,PC,FLAG
        A1,too long,11,0,4,32/01/2024,XX,maybe
        1,,abc,1.5,,2024/13/01,,
        ,,,,,,,
        A1,,,,,,,
        A123456,,,,,,,
        """
    )
    assert issue_tuples(result.issues) == {
        (2, "NOTE", "too_long"),
        (2, "AMOUNT", "out_of_range"),
        (2, "COUNT", "out_of_range"),
        (2, "LIMIT", "out_of_range"),
        (2, "WHEN", "invalid_date"),
        (2, "PC", "invalid_postcode"),
        (2, "FLAG", "invalid_category"),
        (3, "ID", "invalid_pattern"),
        (3, "AMOUNT", "invalid_number"),
        (3, "COUNT", "invalid_number"),
        (3, "WHEN", "invalid_date"),
        (4, None, "blank_row"),
        (5, "ID", "duplicate_key"),
        (6, "ID", "too_long"),
    }
    bad = result.frame.filter(pl.col("ID") == "A1").row(0, named=True)
    assert bad == dict.fromkeys(result.frame.columns) | {"ID": "A1"}


def test_blank_mandatory_cells():
    result = conform_all_types("ID,NOTE\n,hello\n")
    assert issue_tuples(result.issues) >= {(2, "ID", "blank_mandatory")}


def test_personal_values_are_never_quoted_but_codes_are():
    result = conform_all_types(
        """
        ID,NOTE,AMOUNT,COUNT,LIMIT,WHEN,PC,FLAG
        Z99999999,secret note,,,,,N1 1XX-bad,maybe
        """
    )
    messages = " ".join(result.issues["message"].to_list())
    assert "Z99999999" not in messages
    assert "secret" not in messages
    assert "N1 1XX" not in messages
    assert "'maybe'" in messages


def test_spreadsheet_numbers_in_identifiers_are_restored_with_a_warning():
    result = conform(
        """
        CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
        1234.0,1,01/02/2010,WBRI,A123456789012,,
        """,
        "header",
    )
    assert issue_tuples(result.issues) == {(2, "CHILD", "identifier_restored")}
    assert result.issues["severity"].to_list() == ["warning"]
    assert result.frame["CHILD"].to_list() == ["1234"]


def test_aliases_map_to_canonical_codes():
    result = conform(
        """
        CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
        1,Male,01/02/2010,white british,A123456789012,no,
        2,F,01/02/2010,WBRI,A123456789013,Yes,01/01/2024
        3,1,01/02/2010,wbri,A123456789014,0,
        """,
        "header",
    )
    assert result.issues.is_empty()
    assert result.frame["SEX"].to_list() == ["1", "2", "1"]
    assert result.frame["ETHNIC"].to_list() == ["WBRI"] * 3
    assert result.frame["MOTHER"].to_list() == ["0", "1", "0"]


def test_codes_follow_the_year():
    text = """
    CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
    1,U,01/02/2010,WBRI,A123456789012,,
    """
    assert issue_tuples(conform(text, "header", 2024).issues) == {
        (2, "SEX", "invalid_category")
    }
    assert conform(text, "header", 2025).issues.is_empty()


def test_duplicate_keys_point_to_the_first_row():
    result = conform(
        f"""
        {EPISODE_HEADER}
        C1,01/04/2023,S,C2,N1,U1,PR1,,,,,,
        C2,01/04/2023,S,C2,N1,U1,PR1,,,,,,
        C1,2023-04-01,S,C2,N1,U1,PR1,,,,,,
        """,
        "episodes",
    )
    assert issue_tuples(result.issues) == {(4, "CHILD and DECOM", "duplicate_key")}
    assert result.issues["message"].to_list() == [
        "This row has the same CHILD and DECOM as row 2; each episodes row needs its "
        "own CHILD and DECOM"
    ]
    assert result.frame.height == 3  # duplicates are kept, and reported


def test_header_problems():
    result = conform(
        """
        Child ID,SEX,sex,DOB,Shoe size,,MC_DOB
        1,1,2,01/02/2010,9,,
        """,
        "header",
    )
    issues = result.issues.filter(pl.col("row").is_null())
    found = {
        (r["column"], r["code"], r["severity"]) for r in issues.iter_rows(named=True)
    }
    assert found == {
        ("Shoe size", "unknown_column", "warning"),
        ("ETHNIC", "missing_column", "error"),
        ("UPN", "missing_column", "error"),
        ("MOTHER", "missing_column", "warning"),
        ("SEX", "duplicate_column", "error"),
    }
    assert result.frame["SEX"].to_list() == ["1"]  # the first SEX column is used
    assert result.frame["ETHNIC"].to_list() == [None]


def test_a_blank_header_over_data_is_reported():
    result = conform("CHILD,,SEX\n1,x,1\n", "uasc")
    assert ("(column 2, no header)", "unknown_column") in {
        (r["column"], r["code"]) for r in result.issues.iter_rows(named=True)
    }


def test_header_only_file_is_valid_with_a_warning():
    result = conform("CHILD,DOB,SEX,DUC\n", "uasc")
    assert issue_tuples(result.issues) == {(None, None, "no_rows")}
    assert result.frame.height == 0
    assert result.frame.columns == ["CHILD", "DOB", "SEX", "DUC"]


def test_every_issue_code_has_a_catalogue_entry():
    assert set(CATALOGUE) == set(IssueCode)
    for kind in CATALOGUE.values():
        assert kind.title and kind.template


def test_each_conformed_row_keeps_the_row_it_came_from():
    text = f"""
        {EPISODE_HEADER}
        B2,01/05/2023,S,C2,N1,U1,PR1,,,,N7 8JJ,N7 8JJ,SC123456
        ,,,,,,,,,,,,
        A1,01/04/2023,S,C2,N1,U1,PR1,,,,N7 8JJ,N7 8JJ,SC123456
    """
    result = conform(text, "episodes")  # sorted by child, then start
    assert result.frame["CHILD"].to_list() == ["A1", "B2"]
    assert result.rows.to_list() == [4, 2]  # the blank row 3 is skipped
    spec = load_spec("ssda903", 2024).tables["episodes"]
    unsorted = conform_table(read_csv(csv_bytes(text)), spec, 2024, sort=False)
    assert unsorted.rows.to_list() == [2, 4]


def test_a_long_value_is_quoted_cut_short():
    result = conform_all_types("ID,FLAG\nA1," + "m" * 5000 + "\n")
    [message] = result.issues.filter(code="invalid_category")["message"].to_list()
    assert "'" + "m" * 100 + "…'" in message
    assert "m" * 101 not in message


def test_a_long_header_is_repeated_cut_short():
    header = "H" * 10_000
    result = conform_all_types(f"ID,{header}\nA1,x\n")
    [issue] = result.issues.filter(code="unknown_column").iter_rows(named=True)
    assert issue["column"] == "H" * 256 + "…"
    assert "H" * 257 not in issue["message"]
