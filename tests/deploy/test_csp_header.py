"""Every response carries the strict CSP; the one nonce is for plotly.js's own <style> elements."""

import pytest

pytestmark = pytest.mark.django_db


def directives(response):
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def test_pages_and_errors_carry_the_strict_policy(client, small_course):
    for url, status in (("/", 200), ("/topics/hidden-state/", 200), ("/no-such-page/", 404)):
        response = client.get(url)
        assert response.status_code == status
        policy = directives(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"][0] == "'self'" and all(s.startswith("'nonce-") for s in policy["style-src"][1:])
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["default-src"] == ["'self'"]
        html = response.content.decode()
        assert "<style" not in html and " style=" not in html


def test_the_plot_scripts_partial_gives_plotly_its_style_element_with_the_nonce(rf):
    from django.middleware.csp import ContentSecurityPolicyMiddleware, get_nonce
    from django.template.loader import render_to_string

    request = rf.get("/")
    ContentSecurityPolicyMiddleware(lambda r: None).process_request(request)
    html = render_to_string("components.html#plot_scripts", request=request)
    nonce = str(get_nonce(request))
    assert f'<style id="plotly.js-style-global" nonce="{nonce}"></style>' in html
