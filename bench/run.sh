#!/usr/bin/env bash
# Runs every benchmark with its baseline, each job in a fresh JVM at parallelism 1 and 2: ingest and
# metrics (a real Kafka broker on 127.0.0.1, events preloaded; Flink SQL baselines), metrics rebuild,
# compaction and verify (the lake IngestJob wrote; Flink SQL and DuckDB baselines), point queries (a
# generated 1 M-record compacted lake; DuckDB baseline), then the JMH per-event benchmark.
# Needs only Java 17 and Maven.
# Usage: bench/run.sh [--events N] [--parallelism 1,2] [--only ingest,metrics,...] [--query-records N] [--help]
# Results: bench/target/bench-results/latest.{jsonl,md}. Extra Maven flags: BENCH_MVN_FLAGS=-o.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Building the jobs, the benchmarks and the Kafka broker's classpath"
# package, not install: the benchmark runs this working tree's jars, never ones from ~/.m2.
mvn -B -q ${BENCH_MVN_FLAGS:-} -DskipTests -Dspotless.check.skip=true \
  -pl deploy/local/kafka,bench -am package

cp="$PWD/bench/target/classes:$(cat bench/target/runtime-classpath.txt)"
# Maven resolves the project's own modules from this build; a classpath naming another copy of
# the jobs jar (e.g. a snapshot in ~/.m2) would measure someone else's code.
case ":$cp:" in
  *":$PWD/jobs/target/decision-ledger-jobs-"*) ;;
  *) echo "bench/run.sh: the classpath does not use $PWD/jobs/target's jar" >&2; exit 1 ;;
esac
exec java -Xmx1g -Dlog4j.configurationFile=log4j2-bench.properties -cp "$cp" \
  io.decisionledger.bench.BenchMain --classpath "$cp" "$@"
