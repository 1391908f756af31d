"""The WordPress plugin's PHP: every file passes `php -l`, and it has what WordPress needs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from tests.components import missing
from tests.support import ROOT

PLUGIN = ROOT / "integrations" / "wordpress" / "relatedposts"
PHP_FILES = sorted(PLUGIN.rglob("*.php"))


def php_binary() -> str:
    """Return the php binary; fail under CI=true when it is missing, skip otherwise."""
    found = shutil.which("php")
    if found is None:
        missing("php", "apt-get install php-cli")
    return found


def test_the_plugin_has_its_files() -> None:
    names = {p.relative_to(PLUGIN).as_posix() for p in PLUGIN.rglob("*") if p.is_file()}
    assert {"relatedposts.php", "uninstall.php", "block.json", "editor.js"} <= names
    assert len(PHP_FILES) >= 5


@pytest.mark.parametrize("path", PHP_FILES, ids=lambda p: p.relative_to(PLUGIN).as_posix())
def test_php_lint(path) -> None:
    result = subprocess.run([php_binary(), "-l", str(path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_syntax_error_is_caught(tmp_path) -> None:
    broken = tmp_path / "broken.php"
    broken.write_text("<?php function ( {\n")
    assert subprocess.run([php_binary(), "-l", str(broken)], capture_output=True,
                          timeout=60).returncode != 0


def test_plugin_header_and_block_metadata() -> None:
    header = (PLUGIN / "relatedposts.php").read_text()[:2000]
    for field in ("Plugin Name", "Version", "Requires at least", "License"):
        assert re.search(rf"^ \* {field}:\s+\S", header, re.M), field
    block = json.loads((PLUGIN / "block.json").read_text())
    assert block["name"] == "relatedposts/related"
    assert block["attributes"]["limit"]["default"] == 5
    uninstall = (PLUGIN / "uninstall.php").read_text()
    assert "WP_UNINSTALL_PLUGIN" in uninstall  # never runs outside WordPress's uninstaller
    for php in PHP_FILES:  # every file refuses to run when requested directly
        text = php.read_text()
        assert "defined( 'ABSPATH' )" in text or "WP_UNINSTALL_PLUGIN" in text \
            or php.name == "editor.asset.php", php
