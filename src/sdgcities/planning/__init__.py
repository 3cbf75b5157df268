"""The 2030 strategic plan of a city: vision, priorities, targets, participation, places.

A plan has versions (draft → submitted → approved or returned); approved versions are
immutable and public, a new version starts as a copy of the last one. Progress against
the plan's targets uses the scoring engine's categories (:mod:`sdgcities.scoring.progress`).
"""
