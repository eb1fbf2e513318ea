"""Headless Chromium, for the statement's PDF and for the tests that look at rendered pages.

Found on the PATH (``chromium``, ``chromium-browser``, ``google-chrome``) or at
``$SCORECARD_CHROMIUM``; every call starts a fresh browser with an empty profile, no network
services, no GPU, and a time limit.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync",
         "--hide-scrollbars", "--mute-audio")
TIMEOUT = 60


def find_browser() -> str | None:
    """The path of a headless-capable Chromium, or None."""
    env = os.environ.get("SCORECARD_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(args, timeout=TIMEOUT) -> subprocess.CompletedProcess:
    browser = find_browser()
    if browser is None:
        raise FileNotFoundError("no Chromium found (apt-get install chromium, or set "
                                "SCORECARD_CHROMIUM)")
    with tempfile.TemporaryDirectory(prefix="scorecard-chromium-") as profile:
        return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, timeout=timeout, check=False)


def print_pdf(html_path, pdf_path) -> None:
    """Print an HTML file to PDF (the page's own ``@page`` size, A4 for statements)."""
    pdf_path = Path(pdf_path)
    proc = _run(["--no-pdf-header-footer", f"--print-to-pdf={pdf_path}",
                 Path(html_path).resolve().as_uri()])
    if not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        raise RuntimeError(f"Chromium printed no PDF for {html_path}: "
                           f"{proc.stderr.decode(errors='replace')[-500:]}")


def screenshot(html_path, png_path, width=1100, height=1400) -> None:
    """A PNG of the page at ``width`` × ``height`` CSS pixels."""
    png_path = Path(png_path)
    proc = _run([f"--screenshot={png_path}", f"--window-size={width},{height}",
                 Path(html_path).resolve().as_uri()])
    if not png_path.is_file() or png_path.stat().st_size == 0:
        raise RuntimeError(f"Chromium took no screenshot of {html_path}: "
                           f"{proc.stderr.decode(errors='replace')[-500:]}")


def dump_dom(html_path, width=1100, height=1400) -> str:
    """The page's DOM after its scripts ran (``--dump-dom``), as text."""
    proc = _run([f"--window-size={width},{height}", "--virtual-time-budget=5000",
                 "--dump-dom", Path(html_path).resolve().as_uri()])
    return proc.stdout.decode("utf-8", errors="replace")
