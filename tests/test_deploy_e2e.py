"""The README's deployment walk-through, step by step, on this machine's real programs:
`pip install .` without dev tools, `feedsvc init`, a page in, `feedsvc deploy nginx` under the
real nginx (`nginx -t`, then serving), `feedsvc deploy systemd` through `systemd-analyze verify`.
Then the same for two papers on one nginx, one of them fed with `feedsvc --paper KEY ingest`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e_helpers import ROOT, SAMPLE, need_program
from tests.test_nginx import MAIN_CONF, free_port, stop, wait_listening

pytestmark = pytest.mark.e2e
NOW = "2023-06-27T10:00:00+08:00"


@pytest.fixture(scope="module")
def prod_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Step 2: a venv with `pip install -r requirements.lock .` (uv's pip, the same resolution)."""
    venv = tmp_path_factory.mktemp("opt") / "feedsvc"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    uv = Path(sys.executable).parent / "uv"
    subprocess.run(
        [str(uv), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
         "-r", str(ROOT / "requirements.lock"), str(ROOT)],
        check=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    return venv


def _run(venv: Path, *args: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSVC_")}
    done = subprocess.run(
        [str(venv / "bin" / "feedsvc"), *args],
        capture_output=True, text=True, cwd=cwd, env={**env, "FEEDSVC_NOW": NOW}, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"feedsvc {' '.join(args)}:\n{done.stderr}"
    return done.stdout


@pytest.fixture
def nginx_with(tmp_path: Path) -> Iterator[object]:
    nginx = need_program("nginx", "nginx-light")
    procs: list[subprocess.Popen[bytes]] = []

    def start(site_text: str) -> int:
        site = tmp_path / "sites-enabled-feedsvc"
        conf, error_log = tmp_path / "nginx.conf", tmp_path / "error.log"
        user = "user root root;" if os.geteuid() == 0 else ""
        for _ in range(3):  # the free port may be taken between probing and nginx binding it
            port = free_port()
            site.write_text(site_text.replace("listen 80;", f"listen 127.0.0.1:{port};"), encoding="utf-8")
            conf.write_text(MAIN_CONF.format(user=user, tmp=tmp_path, site=site), encoding="utf-8")
            args = [nginx, "-p", str(tmp_path), "-c", str(conf), "-e", str(error_log)]
            check = subprocess.run([*args, "-t"], capture_output=True, text=True, timeout=30, check=False)
            assert check.returncode == 0, f"nginx -t rejected the site:\n{check.stderr}"
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            try:
                wait_listening(proc, port, error_log)
            except RuntimeError:
                stop(proc)
                if "Address already in use" not in error_log.read_text():
                    raise
                continue
            procs.append(proc)
            return port
        raise AssertionError("no free port for nginx")

    yield start
    for proc in procs:
        stop(proc)


def _verify_unit(unit_text: str, folder: Path) -> None:
    analyze = need_program("systemd-analyze", "systemd")
    unit = folder / "feedsvc.service"
    unit.write_text(unit_text, encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_walkthrough_one_paper(prod_venv: Path, tmp_path: Path, nginx_with: object) -> None:
    python = prod_venv / "bin" / "python"
    tools = subprocess.run(
        [str(python), "-c", "import importlib.util as u; print([m for m in ('pytest', 'ruff', 'mypy') if u.find_spec(m)])"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert tools.stdout.strip() == "[]"  # production has no dev tools
    assert _run(prod_venv, "--version", cwd=tmp_path).startswith("feedsvc ")
    srv = tmp_path / "srv" / "feedsvc"
    _run(
        prod_venv, "init", str(srv), "--paper", "钱塘新区报", "--base-url", "http://feeds.test/", cwd=tmp_path
    )
    config = srv / "config" / "feedsvc.toml"
    page = srv / "inbox" / SAMPLE.name
    page.write_bytes(SAMPLE.read_bytes())
    # one-shot from anywhere: the instance's folders do not depend on the working folder
    _run(prod_venv, "--config", str(config), "ingest", str(page), cwd=tmp_path)
    site = _run(prod_venv, "--config", str(config), "deploy", "nginx", cwd=ROOT)
    assert f'root "{srv / "feeds"}"' in site
    port = nginx_with(site)  # type: ignore[operator]
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Host": "feeds.test"}) as http:
        feed = http.get("/feed.atom")
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
        assert feed.headers["link"] == '<http://feeds.test/feed.atom>; rel="self"'
        assert "钱塘新区报" in feed.text and "tag:" in feed.text
        assert http.get("/index.html").status_code == 200
        assert http.get("/.feed.atom.tmp").status_code == 404
    unit = _run(prod_venv, "--config", str(config), "deploy", "systemd", cwd=ROOT)
    assert f"ExecStart={prod_venv / 'bin' / 'feedsvc'} --config {config} run" in unit
    assert f"WorkingDirectory={srv}" in unit
    _verify_unit(unit, tmp_path)


def test_loopback_base_url_is_refused_for_deployment(prod_venv: Path, tmp_path: Path) -> None:
    _run(prod_venv, "init", str(tmp_path / "i"), cwd=tmp_path)  # base_url http://127.0.0.1:8000/
    for target in ("nginx", "systemd"):
        done = subprocess.run(
            [str(prod_venv / "bin" / "feedsvc"), "deploy", target],
            capture_output=True, text=True, cwd=tmp_path / "i", timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 2 and "loopback" in done.stderr and done.stdout == ""


def test_two_papers_on_one_nginx(prod_venv: Path, tmp_path: Path, nginx_with: object) -> None:
    config = tmp_path / "feedsvc.toml"
    config.write_text(
        '[instance]\nroot = "."\n\n'
        '[papers.qiantang]\nname = "钱塘新区报"\nbase_url = "http://feeds.test/qiantang/"\n'
        'tag_authority = "qiantang.test,2023"\n\n'
        '[papers.xiaoshan]\nname = "萧山日报"\nbase_url = "http://feeds.test/xiaoshan/"\n'
        'tag_authority = "xiaoshan.test,2024"\n',
        encoding="utf-8",
    )
    for key in ("qiantang", "xiaoshan"):
        _run(prod_venv, "--config", str(config), "--paper", key, "ingest", str(SAMPLE), cwd=ROOT)
    port = nginx_with(_run(prod_venv, "--config", str(config), "deploy", "nginx", cwd=ROOT))  # type: ignore[operator]
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Host": "feeds.test"}) as http:
        ids = {}
        for key, name in (("qiantang", "钱塘新区报"), ("xiaoshan", "萧山日报")):
            feed = http.get(f"/{key}/feed.json")
            assert feed.status_code == 200, key
            assert feed.headers["link"] == f'<http://feeds.test/{key}/feed.json>; rel="self"'
            data = feed.json()
            assert data["title"].startswith(name)
            ids[key] = {item["id"] for item in data["items"]}
            assert all(i.startswith(f"tag:{key}.test,") for i in ids[key])
        assert ids["qiantang"] and not ids["qiantang"] & ids["xiaoshan"]
        assert http.get("/qiantang", follow_redirects=False).status_code == 301
    _verify_unit(_run(prod_venv, "--config", str(config), "deploy", "systemd", cwd=ROOT), tmp_path)
    one = _run(prod_venv, "--config", str(config), "deploy", "systemd", "--paper", "xiaoshan", cwd=ROOT)
    assert f"--config {config} run --paper xiaoshan\n" in one
    _verify_unit(one, tmp_path)
