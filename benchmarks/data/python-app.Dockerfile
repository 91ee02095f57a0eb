# The Dockerfile equivalent of examples/python-app.def (same base, files, commands).
FROM ubuntu@sha256:4f1db91d9560cf107b5832c0761364ec64f46777aa4ec637243b7c0b5d6a7d6e

LABEL Author="research-software@example.org" Version="1.4.2"

ENV LC_ALL=C.UTF-8 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH

COPY requirements.txt /opt/app/requirements.txt
COPY src /opt/app/src

RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir -r /opt/app/requirements.txt

ENTRYPOINT ["/opt/venv/bin/python", "/opt/app/src/main.py"]
