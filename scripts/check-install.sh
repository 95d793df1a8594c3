#!/usr/bin/env bash
# Install Amends as production does (`pip install .`, no dev extras) into a clean virtual environment, then
# migrate, pass `check --deploy`, serve with gunicorn and the worker, and answer real requests. A runtime
# dependency declared only for development fails here, not at a customer's first `amends migrate`.
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCE=$(pwd)
PYTHON=${PYTHON:-python3.11}
WORK=$(mktemp -d /tmp/amends-install-XXXXXX)
PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
GUNICORN_PID=""
cleanup() {
  [ -n "$GUNICORN_PID" ] && kill "$GUNICORN_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== install without dev extras into $WORK/venv"
"$PYTHON" -m venv "$WORK/venv"
# (grep drops the notices of this machine's pip configuration about absent local mirrors)
"$WORK/venv/bin/pip" install --quiet --upgrade pip 2>&1 | { grep -v 'is ignored' || true; }
"$WORK/venv/bin/pip" install --quiet "$SOURCE" 2>&1 | { grep -v 'is ignored' || true; }
"$WORK/venv/bin/amends" --version >/dev/null
BIN=$WORK/venv/bin
cd "$WORK" # never import the package from the source tree

export DEBUG=0
SECRET_KEY=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1 DATABASE_URL="sqlite:///$WORK/amends.sqlite3" STATIC_ROOT="$WORK/static"
export MEDIA_ROOT="$WORK/media" AMENDS_BASE_URL="http://127.0.0.1:$PORT"
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend

echo "== migrate, check --deploy, collectstatic"
"$BIN/amends" migrate --noinput >/dev/null
"$BIN/amends" check --deploy --fail-level WARNING
"$BIN/amends" collectstatic --noinput >/dev/null
DJANGO_SUPERUSER_PASSWORD=$SECRET_KEY "$BIN/amends" createsuperuser --noinput --username ops --email ops@example.com
TOKEN=$("$BIN/amends" api_token create ops | tail -n 1)

echo "== serve on 127.0.0.1:$PORT"
"$BIN/gunicorn" amends.config.wsgi --bind "127.0.0.1:$PORT" --workers 1 --log-level warning &
GUNICORN_PID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.2; done

# TLS ends at the proxy in production: say so, as the proxy would, so the HTTPS redirect does not answer instead.
request() { curl -s -o "$WORK/body" -w '%{http_code}' -H 'X-Forwarded-Proto: https' -H "Authorization: Bearer $TOKEN" "$@"; }
expect() {
  local want=$1 got=$2 what=$3
  if [ "$got" != "$want" ]; then
    echo "FAILED: $what answered $got, expected $want"
    cat "$WORK/body"
    exit 1
  fi
  echo "ok: $what -> $got"
}
expect 200 "$(request "http://127.0.0.1:$PORT/login/")" "GET /login/"
css=$(grep -o '/static/[^"]*\.css' "$WORK/body" | head -n 1)
expect 200 "$(request "http://127.0.0.1:$PORT$css")" "GET $css (whitenoise, hashed name)"
expect 201 "$(request -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/api/v1/locations" \
  -d '{"code": "ci-hotel", "name": "CI Hotel", "country": "NL", "timezone": "Europe/Amsterdam"}')" "POST /api/v1/locations"
expect 201 "$(request -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/api/v1/feedback" \
  -d '{"customer": {"external_id": "ci-1", "language": "nl"}, "location": "ci-hotel", "channel": "survey",
       "kind": "survey", "scores": {"nps": 1}, "text": "De kamer was vies en niemand hielp ons."}')" "POST /api/v1/feedback"
grep -q '"case": {"id"' "$WORK/body" || { echo "FAILED: the negative answer opened no case"; cat "$WORK/body"; exit 1; }

echo "== the worker runs what was queued (text sense reads the comment with its shipped model)"
"$BIN/amends" worker --burst >"$WORK/worker.log" 2>&1 || { cat "$WORK/worker.log"; exit 1; }
"$BIN/amends" shell -c "
from django_tasks_db.models import DBTaskResult
failed = DBTaskResult.objects.exclude(status='SUCCESSFUL')
assert DBTaskResult.objects.exists(), 'nothing was queued'
assert not failed.exists(), [(r.task_path, r.status, r.traceback) for r in failed]
from amends.textsense.models import TextSense
reading = TextSense.objects.get()
assert reading.language == 'nl' and reading.negative > 0.5, (reading.language, reading.negative)
print('ok: worker ran', DBTaskResult.objects.count(), 'tasks, none failed; text sense read', reading)
"
echo "install check passed"
