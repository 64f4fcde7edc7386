FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY cxplatform ./cxplatform
COPY accounts ./accounts
COPY customers ./customers
COPY textanalysis ./textanalysis
COPY feedback ./feedback
COPY journeys ./journeys
COPY metrics ./metrics
COPY reputation ./reputation
COPY templates ./templates
COPY static ./static
COPY manage.py ./

RUN pip install . \
 && STATIC_MANIFEST=true SECRET_KEY=collectstatic-only-not-a-real-secret-0123456789 \
    python manage.py collectstatic --noinput \
 && useradd --create-home --uid 1000 cx
USER cx

EXPOSE 8000
CMD ["gunicorn", "cxplatform.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
