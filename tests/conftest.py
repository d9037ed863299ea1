"""Shared fixtures: regions, households and the personas of STYLE.md habit 7."""

from __future__ import annotations
