"""UN-Habitat's capacity-building strategy as a working system.

- :mod:`~sdgcities.capacity.plan` — the strategy's implementation plan (objectives →
  outcomes → outputs → actions, with priority category, years, delivery status, key
  activities and budget lines), read from the report's text or a spreadsheet.
"""
