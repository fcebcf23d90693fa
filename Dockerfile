# syntax=docker/dockerfile:1
# Build stage: a virtualenv with Teranga and its dependencies.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/teranga
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY channels ./channels
COPY routing ./routing
COPY classifier ./classifier
COPY web ./web
COPY migrations ./migrations
RUN /opt/teranga/bin/pip install .

# Runtime stage: no compiler, no sources, a non-root user.
FROM python:3.11-slim
RUN useradd --system --create-home --home-dir /var/lib/teranga teranga
COPY --from=build /opt/teranga /opt/teranga
ENV PATH=/opt/teranga/bin:$PATH \
    TERANGA_DATA_DIR=/var/lib/teranga \
    TERANGA_DATABASE_URL=sqlite:////var/lib/teranga/teranga.db
USER teranga
WORKDIR /var/lib/teranga
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# Migrations first, then serve: a new image upgrades the schema on start.
CMD ["sh", "-c", "teranga migrate && exec teranga serve --host 0.0.0.0 --port 8000"]
