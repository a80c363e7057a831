"""deploy/nginx/: every configuration the README installs passes `nginx -t` (skipped without nginx)."""

import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (make serve-prod installs it)")


def nginx_test(config: Path, prefix: Path) -> subprocess.CompletedProcess:
    return subprocess.run([NGINX, "-t", "-q", "-c", str(config), "-p", str(prefix)],
                          capture_output=True, text=True, timeout=30)


def test_the_loopback_stack_of_make_serve_prod(tmp_path):
    text = (DEPLOY / "nginx" / "loopback.conf.in").read_text()
    for name, value in {"@RUN@": str(tmp_path), "@DEPLOY@": str(DEPLOY),
                        "@UPSTREAM@": "127.0.0.1:8089", "@LISTEN@": "127.0.0.1:8088"}.items():
        text = text.replace(name, value)
    assert "@" not in text
    (tmp_path / "nginx.conf").write_text(text)
    result = nginx_test(tmp_path / "nginx.conf", tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("site", ["rnn-study.conf", "rnn-study-lan.conf"])
def test_the_site_files_as_debian_includes_them(tmp_path, site):
    """As in /etc/nginx: zones in conf.d, the proxy rules in snippets/, the site in sites-enabled."""
    (tmp_path / "snippets").mkdir()
    shutil.copy(DEPLOY / "nginx" / "rnn-study-proxy.conf", tmp_path / "snippets")
    text = (DEPLOY / "nginx" / site).read_text()
    if site == "rnn-study.conf":  # a throwaway certificate where the README puts the real one
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=rnn.example.org", "-keyout", str(tmp_path / "privkey.pem"),
                        "-out", str(tmp_path / "fullchain.pem")], check=True, capture_output=True)
        assert "/etc/ssl/rnn-study/fullchain.pem" in text and "/etc/ssl/rnn-study/privkey.pem" in text
        text = text.replace("/etc/ssl/rnn-study/", f"{tmp_path}/")
    text = text.replace("listen 80", "listen 127.0.0.1:18080").replace("listen [::]:80", "listen [::1]:18080")
    text = text.replace("listen 443", "listen 127.0.0.1:18443").replace("listen [::]:443", "listen [::1]:18443")
    (tmp_path / "site.conf").write_text(text)
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
    include {DEPLOY}/nginx/rnn-study-zones.conf;
    include {tmp_path}/site.conf;
}}
""")
    result = nginx_test(tmp_path / "nginx.conf", tmp_path)
    assert result.returncode == 0, result.stderr


def test_forwarded_headers_are_overwritten_not_passed_through():
    rules = (DEPLOY / "nginx" / "rnn-study-proxy.conf").read_text()
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in rules
    assert "proxy_set_header X-Forwarded-For   $remote_addr;" in rules  # not $proxy_add_x_forwarded_for
    assert "proxy_set_header X-Real-IP         $remote_addr;" in rules
