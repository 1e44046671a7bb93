"""The documentation: the site builds with ``mkdocs build --strict`` (a broken link, a bad
anchor or a page left out of the navigation fails it), the README stays a short front door
whose links resolve, and the column reference is the schema's, regenerated."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_MAX_LINES = 250


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None,
    reason="mkdocs and mkdocs-material are not installed (pip install -c constraints.txt -e '.[test]')",
)
def test_the_site_builds_strictly(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # material's banner about its successor, not a problem
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml")]
        + ["--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "index.html").exists() and (tmp_path / "site" / "columns" / "index.html").exists()


def test_the_readme_is_a_short_front_door():
    lines = README.read_text().count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines; move details into docs/ (at most {README_MAX_LINES})"
    )


def test_the_readme_links_resolve():
    """mkdocs checks the links between docs pages; the README's own links are checked here."""
    text = README.read_text()
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    missing = [t for t in targets if "://" not in t and not (ROOT / t).exists()]
    assert targets and not missing, f"README.md links to missing files: {missing}"


def test_every_page_is_in_the_navigation():
    """Each docs page is in the navigation (mkdocs --strict also says so; this holds without mkdocs)."""
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = [p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")]
    assert pages and not [p for p in pages if f": {p}" not in nav], "add every docs page to mkdocs.yml's nav"


def test_the_columns_page_is_generated_from_the_schema():
    from benchmarks.results.columns_page import PAGE, page

    assert PAGE.read_text() == page(), "regenerate it: python -m benchmarks.results.columns_page"
