# torch-quiz: one image, two roles, each a command (deploy/compose.yaml runs both):
#
#   app      quiz serve --host 0.0.0.0 --port 8000 [--workers N]   (the default CMD)
#            The web app. With QUIZ_SANDBOX_URL set it runs no learner code itself and
#            needs no special container options; it holds the database credentials.
#   sandbox  quiz sandbox serve --host 0.0.0.0 --port 8100
#            The snippet sandbox as an HTTP service (QUIZ_SANDBOX_TOKEN required). It has
#            no database credentials and no site key.
#
# Secrets may come from files: QUIZ_SECRET_KEY_FILE, QUIZ_SANDBOX_TOKEN_FILE,
# DATABASE_URL_FILE and PGPASSWORD_FILE (deploy/entrypoint.sh). docs/deployment.md
# describes the whole topology; no Docker engine runs where this file was written.
#
# The sandbox isolates learner code with Linux namespaces, seccomp and rlimits. As this
# image's non-root user it makes them from a user namespace of its own (docs/sandbox.md,
# "Without root"), which Docker's default seccomp and AppArmor profiles forbid
# (unshare, mount, pivot_root, setns). Give the container that runs snippets (the
# sandbox role, or an app without QUIZ_SANDBOX_URL) the sandbox's own profile rather
# than none:
#
#   docker run --security-opt seccomp=deploy/seccomp-sandbox.json \
#              --security-opt apparmor=unconfined ... quiz sandbox serve --host 0.0.0.0
#
# deploy/seccomp-sandbox.json is an allow list (what the server, the zygote's set-up and
# the jobs call; everything else EPERM), checked by tests/unit/sandbox/test_container_profile.py
# but not yet tried on a Docker engine. AppArmor: docker-default denies mount, so the
# container needs apparmor=unconfined or a profile of your own allowing mount, umount,
# pivot_root and (on hosts that restrict them, e.g. Ubuntu 24.04) `userns,`; each job
# still loads the sandbox's own seccomp filter. Without these, `quiz doctor` reports the
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

# 8000: the app; 8100: the sandbox service.
EXPOSE 8000 8100
# The app's health check; a sandbox container overrides it (its /healthz wants the token).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
# QUIZ_SECRET_KEY must be provided at run time (32+ random characters), and
# QUIZ_PUBLIC_URL set to the address people use (requests naming other hosts get 400).
CMD ["quiz", "serve", "--host", "0.0.0.0", "--port", "8000"]
