"""What the parser knows of a project: the one type both the matcher and the parser use."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProjectRef:
    """A project as the parser sees it (the caller builds these from its ledger)."""

    code: str  # e.g. "QB-001", "ZQ-101", "P001"
    name: str
    unit: str  # responsible unit name
    aliases: tuple[str, ...] = ()
    active: bool = True  # stage not completed
