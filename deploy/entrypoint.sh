#!/bin/sh
# The image's entrypoint: secrets from files, then the command (`quiz serve ...` for an
# app container, `quiz sandbox serve ...` for a sandbox container).
#
# For each NAME below, NAME_FILE=/run/secrets/x sets NAME to that file's contents (its
# trailing newline dropped), the convention of the official postgres image. Compose and
# Swarm mount secrets there, so keys stay out of `docker inspect` and the compose file.
# Giving both NAME and NAME_FILE is an error: which one wins would be a guess.
set -eu

for name in QUIZ_SECRET_KEY QUIZ_SANDBOX_TOKEN DATABASE_URL PGPASSWORD; do
    eval "file=\${${name}_FILE:-}"
    [ -n "$file" ] || continue
    eval "given=\${${name}:-}"
    if [ -n "$given" ]; then
        echo "entrypoint: both $name and ${name}_FILE are set; keep one" >&2
        exit 1
    fi
    if [ ! -r "$file" ]; then
        echo "entrypoint: ${name}_FILE=$file: cannot read it" >&2
        exit 1
    fi
    value=$(cat "$file")
    export "$name=$value"
    unset "${name}_FILE"
done

exec "$@"
