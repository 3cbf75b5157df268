"""Sending the platform's e-mails (password resets, invitations) through SMTP.

The server is configured by the ``SDGCITIES_SMTP_*`` settings (host, port, sender,
TLS: ``none``, ``starttls`` or ``ssl``, optional login). Without a host, nothing is
sent and :class:`MailNotConfiguredError` says how to configure it.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from sdgcities.config import Settings
from sdgcities.errors import ConfigurationError


class MailNotConfiguredError(ConfigurationError):
    """No SMTP server is configured."""


def send_mail(settings: Settings, *, to: str, subject: str, body: str) -> None:
    """Send a plain-text message; raises :class:`ConfigurationError` on SMTP failure."""
    if not settings.smtp_host:
        raise MailNotConfiguredError(
            "no SMTP server is configured; set SDGCITIES_SMTP_HOST (and _PORT, _SENDER, _TLS)"
        )
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        if settings.smtp_tls == "ssl":
            context = ssl.create_default_context()
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=30, context=context
            )
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
        with client:
            if settings.smtp_tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password)
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as err:
        raise ConfigurationError(
            f"cannot send mail through {settings.smtp_host}:{settings.smtp_port} ({err}); "
            "check the SDGCITIES_SMTP_* settings"
        ) from err
