"""SDG Cities certification: stage gates reviewed by a hub, never rankings.

A city applies for one stage at a time (1 data & plans, 2 effective enablers, 3
investment pipeline, 4 measured impact — :mod:`~sdgcities.certification.stages`, from
``data/stages.yaml``), attaching *evidence* that points at records already in the
platform (:mod:`~sdgcities.certification.evidence`). An automatic completeness check
(:mod:`~sdgcities.certification.completeness`) explains each requirement met or missing;
the regional hub serving the city then reviews (:mod:`~sdgcities.certification.workflow`,
:mod:`~sdgcities.certification.service`) and an approval issues a certificate with a
verifiable code (:mod:`~sdgcities.certification.certificates`).

Certification recognises the completion of stages the city chose. It never ranks cities,
never compares their outcomes and never judges whether a target was met.
"""
