"""Pan-London outputs: each use case's pooled tables and reports, built from the
authorities' published (degraded) tables — never from raw uploads."""
