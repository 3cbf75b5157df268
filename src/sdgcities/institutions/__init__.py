"""Institutional and digital-capacity assessments: questionnaires defined as data.

A questionnaire (YAML under ``data/``) has areas, each with questions on a scale with
level descriptors, the evidence asked and a weight; cities answer it; the profile
scores each area 0–100 and the gaps open capacity needs with the link kept.
"""
