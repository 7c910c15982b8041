# The Rasa image (Python 3.10, Rasa alone). The model is trained while the image is built.
FROM python:3.10-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH=/app
COPY requirements/rasa.lock requirements/rasa.lock
RUN pip install --no-cache-dir -r requirements/rasa.lock
# bot/ holds the custom NLU components (bot/components/) that bot/config.yml names; run from /app so Rasa finds them.
COPY bot bot
COPY nlu_data nlu_data
COPY dialogue/__init__.py dialogue/i18n.py dialogue/
COPY scripts/build_domain.py scripts/build_domain.py
RUN python scripts/build_domain.py build/domain \
 && rasa train --config bot/config.yml --domain build/domain --data bot/data nlu_data \
      --out models --fixed-model-name gbo
RUN useradd --system --uid 10001 gbo && chown -R gbo /app
USER gbo
EXPOSE 5005
CMD ["python", "-m", "bot.serve", "run", "--model", "models/gbo.tar.gz", "--enable-api", "--port", "5005", \
     "--endpoints", "bot/endpoints.production.yml", "--credentials", "bot/credentials.yml"]
