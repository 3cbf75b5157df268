"""Reports the platform writes from its data: the city's Voluntary Local Review, the
Executive Board report on the flagship programmes, and what they share.

A generated report keeps the words people wrote: each *narrative block* (an opening
statement, a way forward …) is stored by document, subject and key
(:mod:`sdgcities.reporting.narrative`), so regenerating a report refreshes every figure
and keeps every edited paragraph.
"""
