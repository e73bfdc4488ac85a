"""Where the dashboard's sources and build live; importing it loads nothing else, so the API may name the build."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB_DIR = ROOT / "web"
DIST_DIR = WEB_DIR / "dist"
OPENAPI_PATH = ROOT / "build" / "openapi.json"
