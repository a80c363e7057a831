"""nginx rate-limits the POSTs of every page that takes a password, and nothing else of accounts."""

import re
from pathlib import Path

from django.urls import reverse

RULES = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "rnn-study-proxy.conf"


def limited_pattern():
    for block in re.findall(r"location ~ (\S+) \{(.*?)\}", RULES.read_text(), re.S):
        if "limit_req  zone=rnn_study_login " in block[1]:
            return re.compile(block[0])
    raise AssertionError("no rate-limited log-in location")


def test_every_password_form_is_rate_limited_by_nginx():
    pattern = limited_pattern()
    for name in ("login", "signup", "account", "password_change", "password_reset", "delete"):
        assert pattern.fullmatch(reverse(f"accounts:{name}")), name
    assert pattern.fullmatch(reverse("accounts:password_reset_confirm", args=["MQ", "set-password"]))
    assert pattern.fullmatch(reverse("accounts:password_reset_confirm", args=["MQ", "c8x-0a1b2c3d4e5f"]))
    assert pattern.fullmatch("/admin/login/")
    for other in ("/accounts/logout/", "/accounts/deleted/", "/accounts/reset/done/",
                  "/accounts/password_reset/done/", "/review/", "/", "/admin/"):
        assert not pattern.fullmatch(other), other
