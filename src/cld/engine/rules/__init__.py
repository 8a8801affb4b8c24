"""The Department for Education's validation rules, as data the engine runs.

Each rule (:class:`~cld.engine.rules.model.DfeRule`) is its DfE code, the DfE's
message word for word, the table and columns it reports, the collection years it
is in force, and one Polars query over the year's conformed tables (or over the
cells the conformer refused) giving the rows that break it. A dataset's rules are
a list in a module of their own (:mod:`cld.engine.rules.ssda903`); a new year's
rules are rules with years. :func:`~cld.engine.rules.run.run_rules` runs those in
force on one return's tables together and says which ran and which could not.
"""
