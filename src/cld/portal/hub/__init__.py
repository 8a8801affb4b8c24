"""The hub: the dashboard of submissions and agreements, charts, and the pooled
outputs of each use case for approved analysts."""
