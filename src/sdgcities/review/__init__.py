"""Review: draft values are submitted, then published or returned with comments.

* :mod:`.workflow` — the states and the one table of allowed transitions (pure);
* :mod:`.models` — submissions, their values and the append-only review log;
* :mod:`.service` — one function per use case (submit, publish, return, list, audit).
"""
