package io.decisionledger.testing;

import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.QuarantineChainHasher;
import io.decisionledger.decision.DecisionParser;
import io.decisionledger.decision.ParseOutcome;
import io.decisionledger.decision.ParserLimits;
import io.decisionledger.decision.Quarantine;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.PartitionPath;
import io.decisionledger.privacy.MaskingPolicy;
import io.decisionledger.privacy.PiiMasker;
import io.decisionledger.privacy.PseudonymKey;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import io.decisionledger.testkit.SampleDecisions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.Path;

/**
 * Writes a lake the way the streaming ingest leaves it, without Kafka or Flink: real parsed
 * decisions (the ingest parser), hash-chained per tenant in arrival order, a masked ops copy (the
 * ingest masker), quarantined malformed input (in its quarantine chains, heads published),
 * published chain heads, and many small files: every {@code rowsPerCheckpoint} arrivals each
 * partition touched gets a new {@code part-*.parquet}, as the FileSink rolls one per bucket per
 * checkpoint. Fast and deterministic, so compaction tests can build a fresh lake per test.
 */
public final class SmallFileLake {

    public static final String TOPIC = "ai-decisions";

    /** What was written. */
    public record Written(
            int decisions, int quarantined, int auditFiles, Map<String, Long> perTenant) {}

    private SmallFileLake() {}

    /**
     * @param lake the lake root to write into
     * @param decisions number of accepted decisions
     * @param dates the event dates to spread them over (all tenants)
     * @param rowsPerCheckpoint arrivals between two "checkpoints" (file rolls)
     * @param malformedEvery one malformed record in this many arrivals (0: none)
     */
    public static Written write(
            LakeLayout lake,
            int decisions,
            List<LocalDate> dates,
            int rowsPerCheckpoint,
            int malformedEvery,
            long seed) {
        try {
            return writeChecked(lake, decisions, dates, rowsPerCheckpoint, malformedEvery, seed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Written writeChecked(
            LakeLayout lake,
            int decisions,
            List<LocalDate> dates,
            int rowsPerCheckpoint,
            int malformedEvery,
            long seed)
            throws IOException {
        Random random = new Random(seed);
        DecisionParser parser = new DecisionParser(ParserLimits.defaults());
        ChainHasher hasher = new ChainHasher();
        PiiMasker masker =
                PiiMasker.standalone(
                        MaskingPolicy.builtIn(),
                        new PseudonymKey(
                                IngestRun.testKeyFile().toString(),
                                PseudonymKey.DEFAULT_ENV,
                                "k1"));
        Map<String, long[]> seqs = new LinkedHashMap<>();
        Map<String, String> lastHash = new LinkedHashMap<>();
        Map<String, String> lastEvent = new LinkedHashMap<>();
        Map<String, Long> perTenant = new LinkedHashMap<>();
        Buffers buffers = new Buffers(lake);
        QuarantineChainHasher quarantineHasher = new QuarantineChainHasher();
        Map<String, ChainHead> quarantineHeads = new LinkedHashMap<>();
        int quarantined = 0;
        long offset = 0;
        for (int i = 0; i < decisions; i++) {
            String tenant =
                    SampleDecisions.TENANTS.get(random.nextInt(SampleDecisions.TENANTS.size()));
            LocalDate date = dates.get(random.nextInt(dates.size()));
            Instant time =
                    date.atStartOfDay(ZoneOffset.UTC)
                            .toInstant()
                            .plusMillis(random.nextInt(24 * 3600 * 1000));
            Instant ingest = time.plusSeconds(1 + random.nextInt(60));
            SampleDecisions.Event event = SampleDecisions.eventAt(seed, i, tenant, time);
            int kafkaPartition = random.nextInt(2);
            ParseOutcome outcome =
                    parser.parse(event.value(), TOPIC, kafkaPartition, offset++, ingest);
            if (!outcome.isAccepted()) {
                throw new IllegalStateException("sample event refused: " + outcome);
            }
            DecisionRecord r = outcome.decision();
            long seq = ++seqs.computeIfAbsent(tenant, t -> new long[1])[0];
            String prev = lastHash.getOrDefault(tenant, ChainHasher.GENESIS);
            r.setChainShard(0);
            r.setChainSeq(seq);
            r.setPrevHash(prev);
            r.setHash(hasher.hash(prev, r));
            lastHash.put(tenant, r.getHash());
            lastEvent.put(tenant, r.getEventId());
            perTenant.merge(tenant, 1L, Long::sum);
            String partition = PartitionPath.tenantDate(tenant, time);
            buffers.add(LakeLayout.AUDIT_DECISIONS + "/" + partition, r);
            buffers.add(LakeLayout.OPS_DECISIONS + "/" + partition, masker.map(r));
            if (malformedEvery > 0 && i % malformedEvery == 0) {
                // half of them cut in two (the tenant is still readable), half unreadable
                byte[] raw =
                        i % (2 * malformedEvery) == 0
                                ? java.util.Arrays.copyOf(event.value(), event.value().length / 2)
                                : "\u0000 not a decision".getBytes(StandardCharsets.UTF_8);
                ParseOutcome bad = parser.parse(raw, TOPIC, kafkaPartition, offset, ingest);
                QuarantineRecord q =
                        Quarantine.of(bad, raw, TOPIC, kafkaPartition, offset++, null, ingest);
                // chained as the ingest job's quarantine-chain operator does
                String chain = QuarantineChainHasher.chainTenant(q.getTenantId());
                ChainHead qHead = quarantineHeads.get(chain);
                q.setChainShard(0);
                q.setChainSeq(qHead == null ? 1L : qHead.getChainSeq() + 1);
                q.setPrevHash(qHead == null ? ChainHasher.GENESIS : qHead.getHash());
                q.setHash(quarantineHasher.hash(q.getPrevHash(), q));
                quarantineHeads.put(
                        chain,
                        ChainHead.newBuilder()
                                .setTenantId(chain)
                                .setChainShard(0)
                                .setChainSeq(q.getChainSeq())
                                .setHash(q.getHash())
                                .setEventId(q.getEventId() == null ? "" : q.getEventId())
                                .setPublishedAt(Instant.now())
                                .build());
                buffers.add(LakeLayout.QUARANTINE + "/" + PartitionPath.ingestDate(ingest), q);
                quarantined++;
            }
            if ((i + 1) % rowsPerCheckpoint == 0) {
                buffers.roll();
            }
        }
        buffers.roll();
        List<SpecificRecordBase> heads = new ArrayList<>();
        for (String tenant : seqs.keySet()) {
            ChainHead h = new ChainHead();
            h.setTenantId(tenant);
            h.setChainShard(0);
            h.setChainSeq(seqs.get(tenant)[0]);
            h.setHash(lastHash.get(tenant));
            h.setEventId(lastEvent.get(tenant));
            h.setPublishedAt(Instant.now());
            Buffers.writeFile(
                    lake.resolve(
                            LakeLayout.CHAIN_HEADS
                                    + "/tenant_id="
                                    + tenant
                                    + "/head_date="
                                    + LocalDate.now(ZoneOffset.UTC)
                                    + "/heads.parquet"),
                    List.of(h));
        }
        for (ChainHead h : quarantineHeads.values()) {
            Buffers.writeFile(
                    lake.resolve(
                            LakeLayout.QUARANTINE_HEADS
                                    + "/tenant_id="
                                    + h.getTenantId()
                                    + "/head_date="
                                    + LocalDate.now(ZoneOffset.UTC)
                                    + "/heads.parquet"),
                    List.of(h));
        }
        return new Written(decisions, quarantined, buffers.auditFiles, perTenant);
    }

    /** Adds a hidden in-progress file, as a failed FileSink attempt leaves it, with a given age. */
    public static java.nio.file.Path inProgressFile(
            java.nio.file.Path partitionDir, String name, java.time.Duration age)
            throws IOException {
        java.nio.file.Path f = partitionDir.resolve(name);
        Files.write(f, new byte[] {1, 2, 3});
        Files.setLastModifiedTime(
                f, java.nio.file.attribute.FileTime.from(Instant.now().minus(age)));
        return f;
    }

    private static final class Buffers {
        private final LakeLayout lake;
        private final Map<String, List<SpecificRecordBase>> open = new LinkedHashMap<>();
        int auditFiles;

        Buffers(LakeLayout lake) {
            this.lake = lake;
        }

        void add(String bucket, SpecificRecordBase record) {
            open.computeIfAbsent(bucket, b -> new ArrayList<>()).add(record);
        }

        void roll() throws IOException {
            for (Map.Entry<String, List<SpecificRecordBase>> e : open.entrySet()) {
                writeFile(
                        lake.resolve(e.getKey() + "/part-" + UUID.randomUUID() + "-0.parquet"),
                        e.getValue());
                if (e.getKey().startsWith(LakeLayout.AUDIT_DECISIONS)) {
                    auditFiles++;
                }
            }
            open.clear();
        }

        static void writeFile(Path path, List<? extends SpecificRecordBase> records)
                throws IOException {
            LakeFiles.writeParquet(path, records);
        }
    }
}
