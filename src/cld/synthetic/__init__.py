"""Synthetic SSDA903 returns, driven by the schemas, for demos, tests and benchmarks.

:func:`cld.synthetic.generate.generate_year` builds every table one authority would
upload for one collection year; :func:`cld.synthetic.generate.write_synthetic` writes
them for many authorities and years, with faults planted at known places
(:mod:`cld.synthetic.faults`) and listed in ``planted_faults.csv``.
"""
