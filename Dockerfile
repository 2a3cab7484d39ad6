# Svodka: python -m bot run, with the SQLite database on a volume (or DATABASE_URL=postgresql://…).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY examples ./examples
RUN pip install . \
    && useradd --create-home --uid 10001 svodka \
    && mkdir -p /app/data \
    && chown svodka:svodka /app/data

USER svodka
VOLUME ["/app/data"]
ENV DATABASE_URL=sqlite:////app/data/svodka.sqlite3 \
    INBOX_DIR=/app/data/inbox
# The web server (webhook mode, /healthz, /metrics) when WEBHOOK_URL or WEB_PORT is set.
EXPOSE 8080

CMD ["python", "-m", "bot", "run"]
