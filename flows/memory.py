"""Memory a finished stage freed, given back to the system between the stages of a run
(`warehouse.memory`, which the load uses too)."""

from warehouse.memory import release_memory

__all__ = ["release_memory"]
