#!/usr/bin/env bash
# The local stack on 127.0.0.1, from Maven Central jars (no Docker, no Flink distribution): a Kafka
# broker (KRaft), an S3-compatible store (s3proxy) and a Flink 2.2 standalone session cluster (a
# JobManager and a TaskManager JVM, with the flink-s3-fs-hadoop plugin), and job submission to it.
#
#   deploy/local/stack.sh start                     # s3, kafka, flink; idempotent, waits until ready
#   deploy/local/stack.sh submit                    # IngestJob: topic ai-decisions -> s3://ledger/lake
#   deploy/local/stack.sh produce --events 10000    # sample decisions, malformed records, re-sends
#   deploy/local/stack.sh status                    # what runs where (exit code 3 if something is down)
#   deploy/local/stack.sh flink list                # Flink's own CLI against the cluster
#   deploy/local/stack.sh stop                      # stops what it started; data stays in .stack/
#   deploy/local/stack.sh help                      # every command and option
#
# The work folder (--work, default .stack at the project root; relative paths are taken from the
# project root) holds pid files, logs, Kafka's log, the S3 buckets and stack.properties (endpoints).
# STACK_BUILD=1 rebuilds the project first; otherwise it is built only when its jars are missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

job_jar() { ls jobs/target/decision-ledger-jobs-*.jar 2>/dev/null | grep -v -e original -e tests | sed -n 1p || true; }
tools_jar() { ls devtools/target/decision-ledger-devtools-*.jar 2>/dev/null | sed -n 1p || true; }

if [[ "${STACK_BUILD:-0}" == 1 || -z "$(job_jar)" || -z "$(tools_jar)" || ! -d devtools/target/lib \
      || ! -d deploy/local/flink/target/lib \
      || ! -d deploy/local/kafka/target/lib || ! -d deploy/local/s3proxy/target/lib ]]; then
  echo "== Building (the first run downloads dependencies from Maven Central: a few minutes)" >&2
  mvn -B -q -DskipTests -Dspotless.check.skip=true install >&2
fi
jar="$root/$(job_jar)"

# The launcher is the developer tools (devtools: the stack command, the sample generator, the
# Kafka client) on Flink's jars (its configuration parser); it submits the job jar, and the
# services themselves run in their own JVMs on their own classpaths.
exec java -Xmx512m \
  -Dlog4j.configurationFile="$root/deploy/local/log4j2-cli.properties" \
  -Ddecisionledger.stack.dir="$root/deploy/local" \
  -Ddecisionledger.jar="$jar" \
  -cp "$root/$(tools_jar):$root/devtools/target/lib/*:$root/deploy/local/flink/target/lib/*" \
  io.decisionledger.cli.Main stack "$@"
