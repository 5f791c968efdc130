# Production image: torch-quiz served by uvicorn as a non-root user.
#
# The sandbox isolates learner code with Linux namespaces, seccomp and rlimits. As this
# image's non-root user it makes them from a user namespace of its own (docs/sandbox.md,
# "Without root"), which Docker's default seccomp and AppArmor profiles forbid: run with
# --security-opt seccomp=unconfined --security-opt apparmor=unconfined (each job still
# loads the sandbox's own seccomp filter). Without them `quiz doctor` reports the
# missing pieces and learner code is refused (it fails closed).
FROM python:3.11-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    QUIZ_ENV=production \
    QUIZ_DATA_DIR=/var/lib/torch-quiz \
    DATABASE_URL=sqlite:////var/lib/torch-quiz/quiz.db \
    QUIZ_CHALLENGES_DIR=/app/challenges

RUN apt-get update \
    && apt-get install -y --no-install-recommends libseccomp2 curl \
    && rm -rf /var/lib/apt/lists/*

# torch==2.13.0 is pinned in pyproject.toml. Pass the PyTorch CPU wheel index as
# TORCH_INDEX_URL so pip takes the CPU build instead of the CUDA one.
ARG TORCH_INDEX_URL=""
WORKDIR /app
COPY . .
RUN pip install ${TORCH_INDEX_URL:+--extra-index-url "$TORCH_INDEX_URL"} -e . \
    && python -c "import torch; assert torch.__version__.startswith('2.13.0')" \
    && rm -rf tests bench .venv data

RUN useradd --system --uid 10001 --home-dir /var/lib/torch-quiz --create-home quiz \
    && chown -R quiz:quiz /var/lib/torch-quiz
USER quiz

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
# QUIZ_SECRET_KEY must be provided at run time (32+ random characters), and
# QUIZ_PUBLIC_URL set to the address people use (requests naming other hosts get 400).
CMD ["quiz", "serve", "--host", "0.0.0.0", "--port", "8000"]
