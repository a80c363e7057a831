"""The strict Content-Security-Policy (settings.SECURE_CSP): every page loads under it with no
violation and no console error, a plotting page included (plotly.js's stylesheet goes into the
nonce-carrying <style> of the plot_scripts partial)."""

import pytest

pytestmark = pytest.mark.browser

VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber + ":" + e.columnNumber + " " + e.sample));
"""


@pytest.fixture
def csp_page(page, console_errors):
    page.add_init_script(VIOLATIONS)
    return page


def load(page, url):
    response = page.goto(url)
    assert response.status in (200, 404), url
    return response.headers["content-security-policy"]


def test_pages_load_under_the_strict_policy(csp_page, live_server, course, console_errors):
    for path in ("/", "/topics/hidden-state/", "/topics/gru/", "/admin/login/"):
        policy = load(csp_page, live_server.url + path)
        assert "script-src 'self';" in policy and "object-src 'none'" in policy
        assert "frame-ancestors 'none'" in policy and "base-uri 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert csp_page.evaluate("window.__cspViolations") == [], path
    assert console_errors == []


def test_the_error_pages_load_under_the_policy(csp_page, live_server, console_errors):
    load(csp_page, live_server.url + "/no-such-page/")
    assert csp_page.locator("h1").count() == 1
    assert csp_page.evaluate("window.__cspViolations") == []
    # The only console message is Chromium's own note of the 404 status.
    assert all("404" in message for message in console_errors), console_errors


@pytest.mark.urls("tests.browser.plot_urls")
def test_a_plot_draws_under_the_policy(csp_page, live_server, course, console_errors):
    policy = load(csp_page, live_server.url + "/plot-test/")
    assert "style-src 'self' 'nonce-" in policy and "script-src 'self';" in policy
    csp_page.wait_for_selector("#loss-plot .main-svg")
    assert csp_page.locator("#loss-plot .trace").count() >= 2
    # plotly's rules went into the nonce-carrying element, and they apply (its modebar is hidden
    # until hover by its own stylesheet, not by inline styles).
    rules = csp_page.evaluate("document.getElementById('plotly.js-style-global').sheet.cssRules.length")
    assert rules > 10
    csp_page.hover("#loss-plot")
    assert csp_page.evaluate("window.__cspViolations") == []
    assert console_errors == []
