#!/usr/bin/env bash
# The newcomer's tour: builds the project, then runs `Main demo` (a Kafka broker on 127.0.0.1, a
# realistic sample, IngestJob on a local Flink, a summary of the lake it wrote, VerifyJob, and a
# batch rebuild of the metrics read model with today's dashboard numbers, an audit query with its
# evidence bundle, tonight's compaction, a retention run seven years ahead on a copy, and an
# applicant's access and erasure requests: part deferred under Reg B, part erased now).
# Usage: deploy/local/demo.sh [--events N] [--work DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== Building (the first run downloads dependencies from Maven Central: a few minutes)"
mvn -B -q -DskipTests -Dspotless.check.skip=true install

tools=$(ls devtools/target/decision-ledger-devtools-*.jar | head -n 1)
# The developer tools (demo, jobs, audit service; their jars in devtools/target/lib) run on the
# same Flink classpath a standalone cluster uses (deploy/local/flink).
exec java -Xmx2g \
  -Dlog4j.configurationFile=deploy/local/log4j2-demo.properties \
  -Ddecisionledger.stack.dir=deploy/local \
  -cp "$tools:devtools/target/lib/*:deploy/local/flink/target/lib/*" \
  io.decisionledger.cli.Main demo "$@"
