"""Sending the platform's e-mails (password resets, invitations) through SMTP.

The server is configured by the ``SDGCITIES_SMTP_*`` settings (host, port, sender,
TLS: ``none``, ``starttls`` or ``ssl``, optional login). Without a host, nothing is
sent and :class:`MailNotConfiguredError` says how to configure it.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from sdgcities._i18n import LOCALES, gettext, use_locale
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


def _lang(locale: str | None) -> str:
    return locale if locale in LOCALES else "en"


def reset_mail(locale: str | None, url: str) -> tuple[str, str]:
    """(subject, body) of the password-reset e-mail, in the account's language."""
    with use_locale(_lang(locale)):
        subject = gettext("Reset your SDG Cities password")
        body = gettext(
            "Someone asked to reset the password of your SDG Cities account. "
            "To choose a new one, open this link within an hour:"
        )
    return subject, f"{body}\n\n{url}\n"


def invitation_mail(locale: str | None, *, role: str, days: int, url: str) -> tuple[str, str]:
    """(subject, body) of the invitation e-mail, in the invitee's language."""
    with use_locale(_lang(locale)):
        subject = gettext("You are invited to SDG Cities")
        body = gettext(
            "You are invited to join the SDG Cities platform as %(role)s. "
            "To create your account, open this link within %(days)s days:",
            role=role,
            days=days,
        )
    return subject, f"{body}\n\n{url}\n"
