"""School census extract, table by table: a small file as an authority exports it,
and what comes out.

Each case is an inline CSV of one table, the year and the issues expected in its rows
as (row, column, code). Extract tables are wide: a case gives the columns that
matter, and the others are reported missing (warnings, left out here; the last test
shows them). Dates are written as the extract writes them (``2023-Oct-05 00:00:00``)
or as a resaved spreadsheet does (``05/10/2023``).
"""

from __future__ import annotations

import polars as pl
import pytest
from builders import conform, issue_tuples

DATASET = "school_census"
Located = set[tuple[int | None, str | None, str]]


def row_issues(issues: pl.DataFrame) -> Located:
    """Every issue but the missing columns of a case that leaves some out."""
    return issue_tuples(issues.filter(pl.col("code") != "missing_column"))


CASES = {
    "pupils on roll, autumn 2023": (
        "autumn_pupilonroll",
        2023,
        """
        pupilonrolltableid,NativeId,pupilonrollorderseqcolumn,sourceid,schoolcensustableid,upn,surname,forename,dob,entrydate,sex,ncyearactual,senprovision,enrolstatus,language,uniquelearnernumber
        1001,N1,1,S1,500,A206393900001,Khan,Aisha,2016-Mar-04 00:00:00,2020-Sep-03 00:00:00,F,3,N,C,ENG,
        1002,N2,2,S1,500,A206393900002,Smith,Leo,14/02/2012,2023-Sep-05 00:00:00,M,Y7,K,C,POL,
        1003,N3,3,S1,500,A206393900002,Ali,Omar,2012-Feb-30 00:00:00,2023-Sep-05 00:00:00,X,7,Z,C,ENG,
        1004,,4,S1,500,B2063939,Osei,Kwame,2007-May-01 00:00:00,2021-Sep-01 00:00:00,M,12,E,M,AKA,12345
        """,
        {
            (4, "schoolcensustableid and upn", "duplicate_key"),
            (4, "dob", "invalid_date"),
            (4, "sex", "invalid_category"),
            (4, "senprovision", "invalid_category"),
            (5, "NativeId", "blank_mandatory"),
            (5, "upn", "invalid_pattern"),
            (5, "uniquelearnernumber", "invalid_pattern"),
        },
    ),
    "leavers, summer 2024": (
        "summer_pupilnolongeronroll",
        2024,
        """
        pupilnolongeronrolltableid,NativeId,pupilnolongeronrollorderseqcolumn,sourceid,schoolcensustableid,upn,surname,forename,dob,entrydate,leavingdate,parttime,termlysessionspossible,termlysessionsauthorised,termlysessionsunauthorised,sex
        7,N7,1,S1,500,A206393900011,Nowak,Maja,2014-Jan-09 00:00:00,2019-Sep-04 00:00:00,2024-Apr-30 00:00:00,0,62,2,0,F
        8,N8,2,S1,500,A206393900012,Demir,Elif,2013-Jul-21 00:00:00,2018-Sep-04 00:00:00,2024-May-02 00:00:00,Yes,70,-3,1,F
        """,
        {(3, "termlysessionsauthorised", "out_of_range")},  # Yes is an alias of 1
    ),
    "exclusions, spring 2021": (
        "spring_termlyexclusionsonroll",
        2021,
        """
        termlyexclusionsonrolltableid,NativeId,termlyexclusionsonrollorderseqcolumn,sourceid,pupilonrolltableid,startdate,sessions,category,senprovision,reason1,reason2,reason3
        1,N1,1,S1,10,2021-Jan-11 00:00:00,4,SUSP,N,DB,,
        2,N2,2,S1,10,2021-Feb-01 00:00:00,2,FIXD,K,PA,VA,
        3,N3,1,S1,11,2021-Feb-03 00:00:00,-1,PERM,E,XX,,
        4,N4,1,S1,11,2021-Feb-04 00:00:00,1,LNCH,E,OW,,
        """,
        {
            (4, "sessions", "out_of_range"),
            (4, "reason1", "invalid_category"),
            (
                5,
                "termlyexclusionsonrollorderseqcolumn and pupilonrolltableid",
                "duplicate_key",
            ),
        },
    ),
    "absence by reason, autumn 2024": (
        "autumn_termlysessiondetailsonroll",
        2024,
        """
        termlysessiondetailsonrolltableid,NativeId,termlysessiondetailsonrollorderseqcolumn,sourceid,pupilonrolltableid,attendancereason,sessions
        1,N1,1,S1,10,I,6
        2,N2,2,S1,10,C1,2
        3,N3,1,S1,11,Y,4
        4,N4,2,S1,11,#,ten
        """,
        {
            (4, "attendancereason", "invalid_category"),
            (5, "sessions", "invalid_number"),
        },
    ),
    "home addresses, autumn 2024": (
        "autumn_addressesonroll",
        2024,
        """
        addressesonrolltableid,NativeId,addressesonrollorderseqcolumn,sourceid,pupilonrolltableid,postcode,saon,paon,street,locality,town,administrativearea,posttown,addressline1,addressline2,addressline3,addressline4,addressline5,uniquepropertyreferencenumber
        1,N1,1,S1,10,N7 9AB,Flat 2,14,Church Road,,London,Islington,LONDON,"Flat 2, 14 Church Road",London,,,,100021045123
        2,N2,1,S1,11,SE15 4A,,3,High Street,,London,Southwark,LONDON,3 High Street,London,,,,0
        """,
        {
            (3, "postcode", "invalid_postcode"),
            (3, "uniquepropertyreferencenumber", "out_of_range"),
        },
    ),
    "free school meals, autumn 2024": (
        "autumn_fsmperiodsonroll",
        2024,
        """
        fsmperiodsonrolltableid,NativeId,fsmperiodsonrollorderseqcolumn,sourceid,pupilonrolltableid,fsmstartdate,fsmenddate,ukcountry
        1,N1,1,S1,10,2022-Mar-01 00:00:00,,ENG
        2,N2,2,S1,10,2021-Sep-01 00:00:00,2021-Dec-31 00:00:00,EN
        3,N3,1,S1,11,2024-13-01,,WLS
        """,
        {(3, "ukcountry", "invalid_category"), (4, "fsmstartdate", "invalid_date")},
    ),
    "census returns, autumn 2024": (
        "autumn_schoolcensus",
        2024,
        """
        schoolcensustableid,NativeId,schoolcensusorderseqcolumn,sourceid,name,collection,term,year,referencedate,serialno,sourcelevel,estab,softwarecode,datetime,release,xversion,lea,urn
        500,N1,1,S1,School Census,SC,AUT,2024,2024-Oct-03 00:00:00,1,S,3939,SIMS,2024-Oct-07 14:21:09,7.2,1.0,206,127851
        501,N2,1,S2,PRU,SC,WIN,2024,2024-Oct-03 00:00:00,1,S,393,,2024-Oct-07 14:21:09,7.2,1.0,999,127852
        """,
        {
            (3, "term", "invalid_category"),
            (3, "estab", "invalid_pattern"),
            (3, "softwarecode", "blank_mandatory"),
            (3, "lea", "invalid_category"),
        },
    ),
    "childcare, spring 2025": (
        "spring_childcare",
        2025,
        """
        childcaretableid,NativeId,childcareorderseqcolumn,sourceid,schooltableid,openingtime,closingtime,noofchildcareplaces,childcarewksopen,onsite,childcaresignposting,typeofchildcare,childcareprovider,otherschools,childcareplacesavailability,childcarebefore8am,childcarecovers8amto6pm,childcareuntil6pm,holidaychildcareproviderhours
        1,N1,1,S1,20,07:30,18:00,40,48,Y,YF,B,PIP,N,YES,YES,ALL,YES,NO
        2,N2,1,S1,21,7.30,25:00,40,60,Y,N,A,SCH,U,NO,NO,SOME,NO,UNKNOWN
        """,
        {
            (3, "openingtime", "invalid_pattern"),
            (3, "closingtime", "invalid_pattern"),
            (3, "childcarewksopen", "out_of_range"),
        },
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_table(case: str) -> None:
    name, year, text, expected = CASES[case]
    result = conform(text, name, year, dataset=DATASET)
    assert row_issues(result.issues) == expected


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2019, {(3, "category", "invalid_category")}),  # SUSP is not a code yet
        (2020, set()),  # SUSP replaces FIXD, and FIXD still reads as SUSP
    ],
)
def test_suspensions_replace_fixed_period_exclusions_in_autumn_2020(
    year: int, expected: Located
) -> None:
    text = f"""
    termlyexclusionsonrolltableid,NativeId,termlyexclusionsonrollorderseqcolumn,sourceid,pupilonrolltableid,startdate,sessions,category,reason,senprovision
    1,N1,1,S1,10,{year}-Sep-11 00:00:00,2,FIXD,DB,N
    2,N2,1,S1,11,{year}-Sep-12 00:00:00,2,SUSP,DB,N
    """
    result = conform(text, "autumn_termlyexclusionsonroll", year, dataset=DATASET)
    assert row_issues(result.issues) == expected
    if year == 2020:
        assert result.frame["category"].to_list() == ["SUSP", "SUSP"]


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2023, {(2, "attendancereason", "invalid_category")}),  # C1 from 2024
        (2024, {(3, "attendancereason", "invalid_category")}),  # Y withdrawn
    ],
)
def test_attendance_codes_change_in_autumn_2024(year: int, expected: Located) -> None:
    text = """
    termlysessiondetailsonrolltableid,NativeId,termlysessiondetailsonrollorderseqcolumn,sourceid,pupilonrolltableid,attendancereason,sessions
    1,N1,1,S1,10,C1,2
    2,N2,1,S1,11,Y,4
    """
    result = conform(text, "autumn_termlysessiondetailsonroll", year, dataset=DATASET)
    assert row_issues(result.issues) == expected


def test_columns_left_out_are_reported_missing_as_warnings() -> None:
    text = """
    fsmperiodsonrolltableid,NativeId,fsmperiodsonrollorderseqcolumn,sourceid,pupilonrolltableid,fsmstartdate
    1,N1,1,S1,10,2022-Mar-01 00:00:00
    """
    issues = conform(text, "autumn_fsmperiodsonroll", 2024, dataset=DATASET).issues
    assert issue_tuples(issues) == {
        (None, "fsmenddate", "missing_column"),
        (None, "ukcountry", "missing_column"),
    }
    assert set(issues["severity"]) == {"warning"}
