"""Ofsted Annex A, list by list: small workbooks as councils write them, and what
comes out.

Each workbook is built here with openpyxl, as a council's report writes it: titles
above the header row, sheets named freely, the council's own spellings of codes.
Issues are compared as (table, row, column, code); rows are Excel rows.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from xlsx_builders import Rows, workbook

from cld.engine.conform.table import conform_table
from cld.engine.issues import concat_issues
from cld.engine.readers.xlsx import read_workbook_tables
from cld.engine.spec.load import load_spec

YEAR = 2024
SPEC = load_spec("annex_a", YEAR)

Found = set[tuple[str | None, int | None, str | None, str]]


def validate(
    sheets: dict[str, Rows], titles: dict[str, int] | None = None
) -> tuple[dict[str, pl.DataFrame], Found]:
    """The conformed lists of the workbook, and every issue, sheet issues included
    except the tables the test leaves out."""
    data = workbook(sheets, titles=titles)
    tables, sheet_issues = read_workbook_tables(data, SPEC)
    frames, issues = {}, [sheet_issues.filter(pl.col("code") != "missing_table")]
    for name, raw in tables.items():
        conformed = conform_table(raw, SPEC.tables[name], YEAR)
        frames[name] = conformed.frame
        issues.append(conformed.issues)
    found = set(concat_issues(issues).select("table", "row", "column", "code").rows())
    return frames, found


def headers(table: str) -> list[str]:
    return list(SPEC.tables[table].columns)


def test_contacts_in_a_councils_own_spellings_map_to_the_template_codes():
    rows = [
        headers("list_1"),
        ["C1", "M", "WBRI - White British", dt.date(2015, 2, 1), 9, "03/02/2024", "Police"],
        ["C2", "Female", "Black African", "2016-05-04", 7, dt.date(2024, 1, 9), "School"],
        ["C3", "Unborn", "Refused", None, None, "10/01/2024", "LADO"],
        ["C4", "Non-Binary", "APKN", "01/01/2010", 14, "11/01/2024", "Health Visitor"],
        ["C5", "Indeterminate", "UNK", "01/01/2010", 14, "12/01/2024", "CEOP"],
    ]  # fmt: skip
    frames, found = validate(
        {"List 1 - Contacts": rows}, titles={"List 1 - Contacts": 2}
    )
    assert found == set()
    contacts = frames["list_1"]
    assert contacts["Gender"].to_list() == [
        "a) Male", "b) Female", "c) Not stated/recorded", "d) Neither", "d) Neither",
    ]  # fmt: skip
    assert contacts["Ethnicity"].to_list() == [
        "a) White", "d) Black or black British", "f) Not stated",
        "c) Asian or Asian British", "f) Not stated",
    ]  # fmt: skip
    assert contacts["Contact Source"].to_list() == [
        "g) Police", "b) Schools", "f) LA services", "d) Health services", "g) Police",
    ]  # fmt: skip
    assert contacts["Date of Contact"].to_list()[:2] == [
        dt.date(2024, 2, 3),
        dt.date(2024, 1, 9),
    ]


def test_values_that_are_no_spelling_of_a_code_are_invalid_categories():
    rows = [
        headers("list_1"),
        ["C1", "Zebra", "WBRI", None, None, "03/02/2024", "Police"],
        ["C2", "Transgender Male", "White British", None, None, "03/02/2024", "Pigeon"],
    ]
    _, found = validate({"L1": rows}, titles={"L1": 1})
    assert found == {
        ("list_1", 3, "Gender", "invalid_category"),
        ("list_1", 4, "Gender", "invalid_category"),  # the reference cannot tell
        ("list_1", 4, "Contact Source", "invalid_category"),
    }


def test_referrals_yes_no_spellings_and_mandatory_referral_date():
    row = ["Police", None, 1, "MASH", "A Worker"]
    rows = [
        headers("list_3"),
        ["C1", "F", "WBRI", None, None, "03/02/2024", row[0], "NFA", *row[2:]],
        ["C2", "F", "WBRI", None, None, "04/02/2024", row[0], "Further action", *row[2:]],
        ["C3", "F", "WBRI", None, None, None, row[0], "Y", *row[2:]],
        ["C4", "F", "WBRI", None, None, "05/02/2024", row[0], "Maybe", *row[2:]],
    ]  # fmt: skip
    frames, found = validate({"Referrals": rows})
    assert frames["list_3"]["Referral NFA?"].to_list() == ["Yes", "No", "Yes", None]
    assert found == {
        ("list_3", 4, "Date of referral", "blank_mandatory"),
        ("list_3", 5, "Referral NFA?", "invalid_category"),
    }


def _cla_row(child: str, **changes: object) -> list[object]:
    values: dict[str, object] = {
        "Child Unique ID": child,
        "Gender": "a) Male",
        "Ethnicity": "a) White",
        "Date of Birth": "01/01/2012",
        "Age of Child (Years)": 12,
        "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)": "N",
        "Does the Child have a Disability": "No",
        "Date Started to be Looked After": "01/06/2022",
        "Child's Category of Need": "N1",
        "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)": "No",
        "Start date of current legal status": "01/09/2022",
        "Child's Legal Status": "C2",
        "Number of Placements in the Last 12 months": 1,
        "Start Date of Most Recent Placement": "01/09/2022",
        "Placement Type": "a) Foster placement",
        "Placement Provider": "Own LA Provision",
        "Placement postcode": "n7 9ab",
        "Placement Location": "Out of borough",
        "LA of Placement": "Kent County Council",
        "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months": 0,
        "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months": 0,
        "Allocated Team": "CLA Team",
        "Allocated Worker": "A Worker",
        **changes,
    }
    return [values.get(name) for name in headers("list_8")]


def test_children_in_care_codes_from_case_systems_and_dropped_code_errors():
    rows = [
        headers("list_8"),
        _cla_row("C1"),
        _cla_row("C2", **{"Placement Type": "h) Children's Homes"}),
        _cla_row("C3", **{"Child's Legal Status": "J1 Remanded to Local Authority Accomodation"}),
        _cla_row("C4", **{"Child's Legal Status": "V4"}),
        _cla_row("C5", **{"Placement postcode": "N7", "Date Started to be Looked After": 44713}),
    ]  # fmt: skip
    frames, found = validate({"CLA": rows}, titles={"CLA": 3})
    cla = frames["list_8"]
    assert cla["Placement Type"][1] == "h) Children’s Homes"  # a straight apostrophe
    assert cla["Child's Legal Status"].to_list() == [
        "b) Full care orders",
        "b) Full care orders",
        "g) Youth justice legal Statuses",
        None,
        "b) Full care orders",
    ]
    assert cla["Placement postcode"][0] == "N7 9AB"
    assert cla["LA of Placement"][0] == "Kent County Council"  # a place, not a code
    assert cla["Date Started to be Looked After"][4] == dt.date(2022, 6, 1)  # serial
    assert found == {
        ("list_8", 8, "Child's Legal Status", "invalid_category"),  # V4: a code error
        ("list_8", 9, "Placement postcode", "invalid_postcode"),
    }


def test_care_leavers_activity_codes_and_duplicate_young_people():
    base = {
        "Child Unique ID": "L1",
        "Gender": "b) Female",
        "Ethnicity": "e) Other ethnic group",
        "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)": "Yes",
        "Does the Child have a Disability": "No",
        "Allocated Team": "Leaving Care",
        "Allocated Worker": "A Worker",
        "Allocated Personal Advisor": "B Adviser",
        "Eligibility Category": "Former Relevant",
        "LA in Touch": "Yes",
    }  # fmt: skip

    def row(child: str, activity: str) -> list[object]:
        values = {**base, "Child Unique ID": child, "Activity Status": activity}
        return [values.get(name) for name in headers("list_9")]

    rows = [headers("list_9"), row("L1", "F1"), row("L2", "full time training"),
            row("L2", "G6"), row("L3", "Gap year")]  # fmt: skip
    frames, found = validate({"Care leavers": rows})
    assert frames["list_9"]["Activity Status"].to_list()[:3] == [
        "F1: Full time in higher education",
        "F3: Full time in training or employment",
        "G6: Not in education, employment or training - pregnancy or parenting",
    ]
    assert found == {
        ("list_9", 4, "Child Unique ID", "duplicate_key"),
        ("list_9", 5, "Activity Status", "invalid_category"),
    }


def test_unknown_sheets_are_reported_and_lists_found_under_any_name():
    adopter = ["AD1", None, "F", "WBRI", "N", "N", "01/05/2023"]
    rows = [headers("list_11"), adopter + [None] * (len(headers("list_11")) - 7)]
    frames, found = validate(
        {"Cover": [["Annex A", "Camden"], ["Prepared by", "Performance team"]],
         "Adopters": rows}
    )  # fmt: skip
    assert list(frames) == ["list_11"]
    assert found == {(None, None, None, "unknown_sheet")}


def test_missing_lists_are_reported_by_name():
    data = workbook({"L1": [headers("list_1")], "L2": [["no header here"]]})
    tables, issues = read_workbook_tables(data, SPEC)
    missing = issues.filter(pl.col("code") == "missing_table")
    assert list(tables) == ["list_1"]
    assert missing["table"].to_list() == [f"list_{n}" for n in range(2, 12)]
    assert "List 3 - Referrals" in missing["message"][1]
    assert "sheet 'L2' has no header row" in missing["message"][0]
