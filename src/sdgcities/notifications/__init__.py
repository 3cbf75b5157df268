"""Notifications: in-app messages and the e-mails that go with them (an outbox).

:func:`~sdgcities.notifications.service.notify` stores a message for its recipient and
queues an e-mail in the outbox, sent once the transaction commits (or later by
``sdgcities notifications send``): a failing SMTP server never blocks nor loses the
work that caused the notification.
"""
