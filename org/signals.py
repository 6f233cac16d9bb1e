"""Audit events for logins; a password change ends the user's API tokens, a deactivation every session too; a save
of a user drops its kept copy (org/auth.py); a change to memberships or teams sets a new version of the kept scopes
(org/scoping.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from org.audit import audit_record
from org.auth import kept_user_forget
from org.models import AuditEvent, Membership, Team
from org.scoping import scopes_changed
from org.tokens import api_tokens_end


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    audit_record(action=AuditEvent.Action.LOGIN, actor=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action=AuditEvent.Action.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    audit_record(action=AuditEvent.Action.LOGIN_FAILED, request=request, username=str(credentials.get("username", "")))


def end_sessions_of(user_id: int) -> int:
    """Delete every stored session of the user (the cache copy goes with the row)."""
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


@receiver(pre_save, sender=get_user_model())
def _password_changed_or_deactivated(sender, instance, **kwargs) -> None:
    if instance.pk is None:
        return
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["password"] != instance.password:
        api_tokens_end(user_id=instance.pk)  # the phone logs in again with the new password
    if before["is_active"] and not instance.is_active:
        api_tokens_end(user_id=instance.pk)
        ended = end_sessions_of(instance.pk)
        audit_record(
            action=AuditEvent.Action.USER_DEACTIVATED,
            obj=instance,
            summary=f"{instance.get_username()}: {ended} session(s) and all tokens ended",
        )


@receiver(post_save, sender=get_user_model(), dispatch_uid="kept-user-save")
@receiver(post_delete, sender=get_user_model(), dispatch_uid="kept-user-delete")
def _user_changed(sender, instance, **kwargs) -> None:
    kept_user_forget(instance.pk)


@receiver(post_save, sender=Membership, dispatch_uid="scope-membership-save")
@receiver(post_delete, sender=Membership, dispatch_uid="scope-membership-delete")
@receiver(post_save, sender=Team, dispatch_uid="scope-team-save")
@receiver(post_delete, sender=Team, dispatch_uid="scope-team-delete")
def _memberships_or_teams_changed(sender, instance, **kwargs) -> None:
    scopes_changed()
