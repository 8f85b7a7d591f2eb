# casemgr: the application and its console command. The web app and workers of
# later issues run from this same image with other commands.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY events events
COPY casemgr casemgr
COPY web web
COPY workers workers
COPY examples examples
RUN pip install --no-cache-dir .
ENV CASEMGR_INSTANCE=/var/lib/casemgr
CMD ["casemgr", "--help"]
