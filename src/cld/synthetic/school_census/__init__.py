"""Synthetic school census pupil-level extracts (CSV), driven by the schemas.

:func:`generate` gives the files one authority uploads for one year: for each census
of the year (spring, summer, autumn) one CSV per table of that term, pupils aged to
fit their national curriculum year, codes from that year's lists, and faults planted
at known places when asked (:mod:`cld.synthetic.faults`).
"""

from cld.synthetic.school_census.context import DATASET
from cld.synthetic.school_census.generate import (
    FILE_WORDS,
    SchoolCensusUpload,
    file_name,
    generate,
)

__all__ = ["DATASET", "FILE_WORDS", "SchoolCensusUpload", "file_name", "generate"]
