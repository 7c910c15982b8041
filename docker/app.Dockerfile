# The application image: API and action server (Python 3.11).

# The widget's browser client library (socket.io-client), from the pinned package-lock.json.
FROM node:20-slim AS widget-vendor
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/app
COPY requirements/app.lock requirements/app.lock
RUN pip install --no-cache-dir -r requirements/app.lock
COPY common common
COPY dialogue dialogue
COPY api api
COPY kb kb
COPY actions actions
COPY bot/catalog bot/catalog
COPY alembic.ini alembic.ini
COPY --from=widget-vendor /build/node_modules/socket.io-client/dist/socket.io.min.js \
     node_modules/socket.io-client/dist/socket.io.min.js
RUN useradd --system --uid 10001 gbo
USER gbo
EXPOSE 8000 5055
# X-Forwarded-For is believed only from FORWARDED_ALLOW_IPS (read by uvicorn; default 127.0.0.1): set it to
# the reverse proxy's address, so the per-IP rate limit counts citizens (docker-compose.yml does).
CMD ["python", "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", \
     "--proxy-headers"]
