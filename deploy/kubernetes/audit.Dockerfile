# The image of the audit CLI and HTTP API (deploy/kubernetes/report-cronjob.yaml runs its `report`
# command monthly): the audit service jar (no Flink installation needed), Flink's S3 file system
# plugin for s3:// lakes, and Chromium for `report --pdf`. Build from the project root after
# `mvn -B -DskipTests package`:
#   docker build -f deploy/kubernetes/audit.Dockerfile -t registry.example.com/decision-ledger/audit:0.1.0 .
FROM flink:2.2.0-java17 AS flink

# Debian, not Ubuntu: Ubuntu's chromium package is only a transition to the snap, which a container
# cannot run.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless chromium fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 decision-ledger \
 && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin decision-ledger
# FLINK_PLUGINS_DIR=/opt/decision-ledger/plugins (set by the CronJob)
COPY --from=flink /opt/flink/opt/flink-s3-fs-hadoop-2.2.0.jar /opt/decision-ledger/plugins/s3-fs-hadoop/
COPY audit/target/decision-ledger-audit-0.1.0-SNAPSHOT-service.jar /opt/decision-ledger/decision-ledger-audit-service.jar
USER 10001
ENTRYPOINT ["java", "-jar", "/opt/decision-ledger/decision-ledger-audit-service.jar"]
