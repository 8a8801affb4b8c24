"""SSDA903, table by table: a small return as a council writes it, and what comes out.

Each case is an inline CSV of one table, the collection year, and the issues expected
as (row, column, code). They read like the return and document how each table is
checked.
"""

from __future__ import annotations

import datetime as dt

import pytest
from builders import conform, issue_tuples

CASES = {
    "header": (
        2024,
        """
        CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
        101,1,14/06/2010,WBRI,A123456789012,,
        102,2,02/11/2007,BAFR,UN1,1,01/02/2024
        103,3,31/12/2012,XXXX,A12345678901X,,
        """,
        {(4, "SEX", "invalid_category"), (4, "ETHNIC", "invalid_category")},
    ),
    "episodes": (
        2024,
        """
        CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
        101,01/04/2023,S,C2,N1,U1,PR1,15/09/2023,X1,CARPL,E1 6AN,N7 9AB,SC123456
        101,15/09/2023,P,C2,N1,K2,PR4,,,,E1 6AN,CR0 1AA,SC654321
        102,05/01/2024,S,V2,N4,H5,PR2,10/01/2024,E43,,SE15 5AA,SW2 1AA,XXXXXXX
        """,
        {(4, "REC", "invalid_category")},  # E43 was replaced in 2019
    ),
    "uasc": (
        2024,
        """
        CHILD,DOB,SEX,DUC
        101,14/06/2007,1,14/06/2025
        102,02/11/2006,F,
        """,
        set(),
    ),
    "reviews": (
        2024,
        """
        CHILD,DOB,REVIEW,REVIEW_CODE
        101,14/06/2010,01/06/2023,PN1
        101,14/06/2010,01/12/2023,PN8
        """,
        {(3, "REVIEW_CODE", "invalid_category")},
    ),
    "oc2": (
        2024,
        """
        CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED
        101,14/06/2010,12,,0,1,1,1,1,0,,
        102,02/11/2007,41,,0,1,1,1,1,0,,
        103,02/11/2007,,SDQ1,0,1,1,1,1,0,,
        """,
        {(3, "SDQ_SCORE", "out_of_range")},
    ),
    "oc3": (
        2022,
        """
        CHILD,DOB,IN_TOUCH,ACTIV,ACCOM
        101,14/06/2004,YES,F4,S2
        102,02/11/2003,NO,F3,Z1
        """,
        {(3, "ACTIV", "invalid_category")},  # F3 split into F4/F5 in 2022
    ),
    "ad1": (
        2024,
        """
        CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR
        101,14/06/2020,01/02/2022,01/06/2022,0,2,MF,L11
        102,02/11/2021,01/02/2022,01/06/2022,1,3,FF,L2
        """,
        {(3, "NB_ADOPTR", "out_of_range")},
    ),
    "placed_adoption": (
        2024,
        """
        CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED
        101,14/06/2020,01/06/2023,,
        102,02/11/2021,01/06/2023,01/09/2023,RD1
        """,
        set(),
    ),
    "prev_perm": (
        2024,
        """
        CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM
        101,14/06/2010,P2,202,01/02/2015
        102,02/11/2007,Z1,,
        """,
        set(),
    ),
    "missing": (
        2024,
        """
        CHILD,DOB,MISSING,MIS_START,MIS_END
        101,14/06/2010,M,01/06/2023,02/06/2023
        101,14/06/2010,A,01/06/2023,
        """,
        {(3, "CHILD and MIS_START", "duplicate_key")},
    ),
    "social_worker": (
        2024,
        """
        CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON
        101,14/06/2010,SW123,01/04/2023,01/09/2023,LEFTRL
        101,14/06/2010,SW456,01/09/2023,,
        """,
        set(),
    ),
}


@pytest.mark.parametrize("table", list(CASES))
def test_table(table):
    year, text, expected = CASES[table]
    result = conform(text, table, year)
    assert issue_tuples(result.issues) == expected
    assert result.frame.height == len(text.strip().splitlines()) - 1


def test_2025_header_uses_m_f_u_and_accepts_the_words():
    result = conform(
        """
        CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
        101,M,14/06/2010,WBRI,A123456789012,,
        102,Female,02/11/2007,BAFR,A123456789013,,
        103,1,02/11/2007,BAFR,A123456789014,,
        """,
        "header",
        2025,
    )
    assert issue_tuples(result.issues) == {(4, "SEX", "invalid_category")}
    assert result.frame["SEX"].to_list() == ["M", "F", None]


def test_2025_uasc_still_accepts_the_old_sex_codes():
    result = conform(
        "CHILD,DOB,SEX,DUC\n101,14/06/2007,1,\n102,14/06/2007,2,\n", "uasc", 2025
    )
    assert result.issues.is_empty()
    assert result.frame["SEX"].to_list() == ["M", "F"]


def test_2026_placement_types():
    text = """
    CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
    101,01/04/2025,S,C2,N1,Z11,PR1,,,,,,
    """
    assert issue_tuples(conform(text, "episodes", 2025).issues) == {
        (2, "PLACE", "invalid_category")
    }
    assert conform(text, "episodes", 2026).issues.is_empty()


def test_dates_outside_a_plausible_range():
    # A year written with two digits is not a date: %Y would read 25 as the year
    # 25, published as 0025-03-05. A four-digit year far off is out of range: for
    # the 2024 return, a birth by 31/03/2024, any date from 1900, an event at most
    # ten years ahead.
    result = conform(
        """
        CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
        101,5/3/25,S,C2,N1,U1,PR1,,,,,,
        102,05/03/0025,S,C2,N1,U1,PR1,,,,,,
        103,01/04/2023,S,C2,N1,U1,PR1,01/04/2999,X1,,,,
        104,01/04/2023,S,C2,N1,U1,PR1,31/03/2034,X1,,,,
        """,
        "episodes",
    )
    assert issue_tuples(result.issues) == {
        (2, "DECOM", "invalid_date"),
        (3, "DECOM", "date_out_of_range"),
        (4, "DEC", "date_out_of_range"),
    }
    assert result.frame["DEC"].to_list() == [None, None, None, dt.date(2034, 3, 31)]
    [message] = result.issues.filter(row=3)["message"].to_list()
    assert message == (
        "DECOM '05/03/0025' is not a plausible episode start date for the 2024 "
        "return: it must be from 01/01/1900 to 31/03/2034; check the year, written "
        "in full (e.g. 2024)"
    )


def test_a_birth_after_the_year_or_before_1900_is_out_of_range_and_not_quoted():
    result = conform(
        """
        CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
        101,1,01/04/2024,WBRI,A123456789012,1,31/03/2024
        102,2,31/12/1899,WBRI,A123456789013,1,01/04/2024
        103,1,31/03/2024,WBRI,A123456789014,,
        """,
        "header",
    )
    assert issue_tuples(result.issues) == {
        (2, "DOB", "date_out_of_range"),
        (3, "DOB", "date_out_of_range"),
        (3, "MC_DOB", "date_out_of_range"),
    }
    messages = " ".join(result.issues["message"].to_list())
    assert "01/04/2024" not in messages and "1899" not in messages
    assert "DOB is not a plausible date of birth for the 2024 return" in messages
