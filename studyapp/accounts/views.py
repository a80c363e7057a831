"""The account pages: Django's own auth views (log-in, log-out, password change and reset) with
the site's templates, and sign-up, the account page and deletion as functions.

Sign-up as a guest keeps the guest's learner (learners.adopt_guest). A log-in as a guest who has
stored something keeps that learner aside and goes where a `guest_progress_pending` receiver
says (review's merge-or-discard page); the `next` page comes after.
"""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from studyapp.web import HtmxHttpRequest, render_page

from . import learners
from .forms import EmailForm, PasswordConfirmForm, SignUpForm, ThrottledPasswordChangeForm
from .models import Learner
from .signals import guest_progress_pending

BACKEND = "django.contrib.auth.backends.ModelBackend"


def safe_next(request, default: str) -> str:
    """The request's `next` (POST or GET) when it is a page of this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return resolve_url(default)


def after_login_url(request, next_url: str) -> str:
    """Where a log-in goes: a page asking about a pending guest's data, if an app offers one."""
    guest = learners.pending_guest(request)
    if guest is not None:
        for _receiver, url in guest_progress_pending.send(sender=Learner, request=request, guest=guest,
                                                          next_url=next_url):
            if url:
                return url
    return next_url


class LoginView(auth_views.LoginView):
    template_name = "accounts/login_form.html"
    redirect_authenticated_user = True

    def get_success_url(self):
        return after_login_url(self.request, super().get_success_url())


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    form_class = ThrottledPasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's, with an invalid or used link answered 400 rather than 200."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    def render_to_response(self, context, **kwargs):
        if not context.get("validlink"):
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HtmxHttpRequest):
    next_url = safe_next(request, "course:topics")
    if request.user.is_authenticated:
        return HttpResponseRedirect(reverse("accounts:account"))
    status = 200
    if request.method == "POST":
        form = SignUpForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                user = form.save()
                kept = learners.adopt_guest(request=request, user=user)
            login(request, user, backend=BACKEND)
            messages.success(request, f"Welcome, {user.get_username()}! "
                             + ("Everything you studied as a guest is kept in your account."
                                if kept else "Your progress is now kept in your account."))
            return HttpResponseRedirect(next_url, status=303)
        status = 400
    else:
        form = SignUpForm()
    return render_page(request, "accounts/signup_form.html", {"form": form, "next": next_url},
                       status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account(request: HtmxHttpRequest):
    """The account page: name, email (changeable after the password), links to the rest."""
    status = 200
    if request.method == "POST":
        form = EmailForm(request.POST, user=request.user, request=request)
        if form.is_valid():
            request.user.email = form.cleaned_data["email"]
            request.user.save(update_fields=["email"])
            messages.success(request, "Email saved." if request.user.email else "Email removed.")
            return HttpResponseRedirect(reverse("accounts:account"), status=303)
        status = 400
    else:
        form = EmailForm(user=request.user, request=request, initial={"email": request.user.email})
    learner = learners.current_learner(request)
    return render_page(request, "accounts/account_detail.html", {
        "form": form, "owned": learners.owned_counts(learner=learner) if learner else [],
        "pending_guest": learners.pending_guest(request),
    }, status=status)


@sensitive_post_parameters("password")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request: HtmxHttpRequest):
    status = 200
    learner = learners.current_learner(request)
    if request.method == "POST":
        form = PasswordConfirmForm(request.POST, user=request.user, request=request)
        if form.is_valid():
            user = request.user
            name = user.get_username()
            learners.discard_pending_guest(request)
            learners.delete_account(user=user)
            logout(request)
            request.session["deleted_account"] = name
            return HttpResponseRedirect(reverse("accounts:deleted"), status=303)
        status = 400
    else:
        form = PasswordConfirmForm(user=request.user, request=request)
    return render_page(request, "accounts/account_confirm_delete.html", {
        "form": form, "owned": learners.owned_counts(learner=learner) if learner else [],
    }, status=status)


@require_http_methods(["GET", "HEAD"])
def deleted(request: HtmxHttpRequest):
    name = request.session.get("deleted_account")
    return render_page(request, "accounts/account_deleted.html", {"name": name})


