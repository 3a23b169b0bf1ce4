#!/bin/sh
# Registers the namespace and the search attributes the workflows set (the list matches
# workflows/definitions.ts; a test checks that). Safe to run on every start.
set -eu

: "${TEMPORAL_ADDRESS:?}" "${TEMPORAL_NAMESPACE:?}" "${TEMPORAL_NAMESPACE_RETENTION:?}"
search_attributes="BoricaScenario BoricaPhase BoricaExternalRef BoricaResultId"

# Resolve the server to an IPv4 address first, as Temporal's own compose scripts do: the CLI can
# otherwise try an address the server does not listen on.
host=${TEMPORAL_ADDRESS%:*}
port=${TEMPORAL_ADDRESS##*:}
ip=$(getent ahosts "$host" 2> /dev/null | awk '$1 ~ /^[0-9.]+$/ { print $1; exit }')
export TEMPORAL_ADDRESS="${ip:-$host}:$port"

# A namespace takes a few seconds to reach every server cache, so each step is retried.
retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 30 ]; then
      echo "gave up after $attempt attempts: $*" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

retry temporal operator cluster health

if temporal operator namespace describe --namespace "$TEMPORAL_NAMESPACE" > /dev/null 2>&1; then
  echo "namespace $TEMPORAL_NAMESPACE exists"
else
  retry temporal operator namespace create --namespace "$TEMPORAL_NAMESPACE" --retention "$TEMPORAL_NAMESPACE_RETENTION"
fi

existing=$(retry temporal operator search-attribute list --namespace "$TEMPORAL_NAMESPACE")
for name in $search_attributes; do
  if printf '%s\n' "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    retry temporal operator search-attribute create --namespace "$TEMPORAL_NAMESPACE" --name "$name" --type Keyword
  fi
done
echo "namespace $TEMPORAL_NAMESPACE is ready"
