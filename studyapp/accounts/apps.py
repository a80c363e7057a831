from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "studyapp.accounts"
    label = "accounts"
    verbose_name = "Accounts and learners"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from . import learners

        def keep_guest_aside(sender, request, user, **kwargs):
            if request is not None and hasattr(request, "session"):
                learners.keep_guest_aside(request=request, user=user)

        def drop_pending_guest(sender, request, user, **kwargs):
            # The session is flushed next: a guest kept aside in it could never be reached again.
            if request is not None and hasattr(request, "session") and user is not None:
                learners.discard_pending_guest(request)

        user_logged_in.connect(keep_guest_aside, weak=False, dispatch_uid="accounts.keep_guest_aside")
        user_logged_out.connect(drop_pending_guest, weak=False, dispatch_uid="accounts.drop_pending_guest")
