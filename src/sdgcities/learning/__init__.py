"""UN-Habitat Learn: courses, enrolment, progress, certificates, badges and reports.

Plan 2.1.2 and 2.2.2 of the capacity-building strategy (HSP/EB.2021/17): the catalogue's
training courses (:class:`sdgcities.capacity.models.CatalogueEntry` of kind
``training_course``) given lessons and assessments, with completions that are computed
from rules, certified, verifiable in public and counted by sex, country, organisation
type and country group.
"""
