"""Child Level Data platform: London's boroughs share child-level data safely."""

__version__ = "0.1.0"
