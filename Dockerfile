# casemgr: the console command, the web app (gunicorn), the Celery worker and beat, all
# from this one image with other commands (docker-compose.yml, docs/operations.md).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The risk diagnosis's PDF embeds a Japanese font (casemgr/diagnosis_pdf.py finds it at run time).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY events events
COPY casemgr casemgr
COPY web web
COPY workers workers
COPY examples examples
# Installed in place (-e): the code runs from /app, beside the files it reads there
# (examples/ for the demo, the catalogues under casemgr/ and web/). The web catalogues
# are compiled now, as root: at run time /app is read-only to the casemgr user.
RUN pip install --no-cache-dir -e . \
 && python -I -c "from pathlib import Path; import web; from web.i18n import compile_catalogs, translation_directories; \
compile_catalogs(translation_directories(Path(web.__file__).parent))"
# Nothing runs as root: the instance folder is the only place casemgr writes to.
RUN useradd --system --user-group --uid 10001 --home-dir /var/lib/casemgr --create-home \
        --shell /usr/sbin/nologin casemgr
ENV CASEMGR_INSTANCE=/var/lib/casemgr
USER casemgr
CMD ["casemgr", "--help"]
