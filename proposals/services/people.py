"""A person's own settings and secrets: reminder preferences, what a new password revokes, the calendar address."""

import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import reminders
from proposals.documents.calendar_feed import calendar_token_hash
from proposals.models import Notice, NoticeKind, NoticeMode, User
from proposals.services.checks import raise_if_errors


def user_update_preferences(
    *, user: User, reminder_mode: str | None = None, digest_hour: int | None = None, language: str | None = None,
    notice_preferences: dict[str, str] | None = None,
) -> User:  # fmt: skip
    """Reminders at once or in one daily digest at the user's hour, in their language; for each kind of notice,
    the inbox only, or also a mail at once or in the daily digest (the kinds given change, the others stay).
    Each preference changes only when given."""
    given = {"reminder_mode": reminder_mode, "digest_hour": digest_hour, "language": language,
             "notice_preferences": notice_preferences}  # fmt: skip
    changes = {name: value for name, value in given.items() if value is not None}
    errors: dict[str, list[str]] = {}
    if "reminder_mode" in changes and reminder_mode not in User.ReminderMode.values:
        errors["reminder_mode"] = [_("Choose immediate mails or a daily digest.")]
    if "digest_hour" in changes and (not isinstance(digest_hour, int) or not 0 <= digest_hour <= 23):
        errors["digest_hour"] = [_("Choose an hour from 0 to 23.")]
    if "language" in changes and language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose a language.")]
    if "notice_preferences" in changes:
        if not isinstance(notice_preferences, dict) or not all(
            kind in NoticeKind.values and mode in NoticeMode.values for kind, mode in notice_preferences.items()
        ):
            errors["notice_preferences"] = [_("Choose, for each kind of notice, the inbox only, a mail at once or "
                                              "the daily digest.")]  # fmt: skip
        else:
            changes["notice_preferences"] = (user.notice_preferences or {}) | notice_preferences
    raise_if_errors(errors)
    with transaction.atomic():
        for name, value in changes.items():
            setattr(user, name, value)
        user.save(update_fields=list(changes))
        now = timezone.now()
        reminders.reschedule_for(user, now)
        # Notices waiting for the digest follow a new digest hour.
        for notice in Notice.objects.filter(recipient=user, status=Notice.Status.PENDING, digest=True):
            notice.send_after = reminders.digest_at(user, max(now, notice.created_at))
            notice.save(update_fields=["send_after"])
    return user


def user_password_changed(*, user: User) -> None:
    """What a new password revokes (README, "What a changed password revokes"): whoever knew the old one may
    have taken an API token, or copied the calendar address from the preferences page. Web sessions end by
    themselves (Django checks each session against the password's hash). The signed preference links in mails
    stay: they come from the mailbox, not the account, and only choose how reminders arrive."""
    with transaction.atomic():
        user.auth_token_set.all().delete()
        User.objects.filter(pk=user.pk).update(calendar_token_hash=None)
        user.calendar_token_hash = None


# --- Calendar feed ------------------------------------------------------------------------------------


def calendar_token_regenerate(*, user: User) -> str:
    """A new secret for the person's feed address, returned this once: only its hash is kept. The old address
    answers 404 from now on (a lost phone, a shared link)."""
    token = secrets.token_urlsafe(32)  # 43 characters, 256 bits
    user.calendar_token_hash = calendar_token_hash(token)
    User.objects.filter(pk=user.pk).update(calendar_token_hash=user.calendar_token_hash)
    return token
