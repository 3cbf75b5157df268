"""The one-stop shop: requests for capacity building and urban advisory services,
answered within guaranteed response times counted in business hours.

- :mod:`~sdgcities.servicedesk.calendar` — an office's working calendar (time zone,
  weekly windows, public holidays, closures);
- :mod:`~sdgcities.servicedesk.clock` — the business-hours clock: elapsed business
  time and due moments, vectorised over many requests.
"""
