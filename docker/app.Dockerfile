# The application image: API and action server (Python 3.11).
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/app
COPY requirements/app.lock requirements/app.lock
RUN pip install --no-cache-dir -r requirements/app.lock
COPY api api
COPY kb kb
COPY actions actions
COPY bot/catalog bot/catalog
COPY alembic.ini alembic.ini
RUN useradd --system --uid 10001 gbo
USER gbo
EXPOSE 8000 5055
CMD ["python", "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000"]
