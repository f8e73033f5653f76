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
 * checkpoint. Fast and deterministic, so compaction tests can build a fresh lake per test; a local
 * lake asked for again with the same arguments is copied from the first one this JVM wrote.
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
            java.nio.file.Path target = emptyLocalRoot(lake);
            if (target == null) {
                return writeChecked(
                        lake, decisions, dates, rowsPerCheckpoint, malformedEvery, seed);
            }
            Template template =
                    template(
                            new Key(
                                    decisions,
                                    List.copyOf(dates),
                                    rowsPerCheckpoint,
                                    malformedEvery,
                                    seed));
            copyTree(template.dir(), target);
            return template.written();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The arguments that determine a lake's content: the same arguments write the same records (the
     * generator is seeded, the pseudonym key is one per JVM).
     */
    private record Key(
            int decisions,
            List<LocalDate> dates,
            int rowsPerCheckpoint,
            int malformedEvery,
            long seed) {}

    private record Template(java.nio.file.Path dir, Written written) {}

    private static final Map<Key, Template> TEMPLATES = new java.util.HashMap<>();
    private static java.nio.file.Path templateRoot;

    /**
     * Writing a lake costs thousands of Parquet writer set-ups, and a test class often asks for the
     * same lake in every test: the first request for a set of arguments is written into a template
     * folder of this JVM, and every request (the first included) gets a plain copy of it in a fresh
     * folder. A copy is what a fresh write would have produced, down to the file layout; only the
     * random part-file names and the heads' publishing instants are shared, and no test depends on
     * those being unique per test.
     */
    private static synchronized Template template(Key key) throws IOException {
        Template cached = TEMPLATES.get(key);
        if (cached != null) {
            return cached;
        }
        if (templateRoot == null) {
            templateRoot = Files.createTempDirectory("small-file-lakes");
            java.nio.file.Path root = templateRoot;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
        }
        java.nio.file.Path dir = templateRoot.resolve("lake-" + TEMPLATES.size());
        Written written =
                writeChecked(
                        LakeLayout.at(dir.toUri().toString()),
                        key.decisions(),
                        key.dates(),
                        key.rowsPerCheckpoint(),
                        key.malformedEvery(),
                        key.seed());
        Template template =
                new Template(
                        dir,
                        new Written(
                                written.decisions(),
                                written.quarantined(),
                                written.auditFiles(),
                                java.util.Collections.unmodifiableMap(
                                        new LinkedHashMap<>(written.perTenant()))));
        TEMPLATES.put(key, template);
        return template;
    }

    /**
     * The lake's folder when the lake is on the local disk and holds nothing yet (a copy of a
     * template is then the same as a fresh write); {@code null} otherwise (an object store, or a
     * lake that a second write adds to), and the lake is written directly.
     */
    private static java.nio.file.Path emptyLocalRoot(LakeLayout lake) throws IOException {
        java.net.URI uri = java.net.URI.create(lake.root());
        if (!"file".equals(uri.getScheme())) {
            return null;
        }
        java.nio.file.Path root = java.nio.file.Path.of(uri);
        if (!Files.exists(root)) {
            return root;
        }
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (var entries = Files.list(root)) {
            return entries.findAny().isPresent() ? null : root;
        }
    }

    /** Copies the files only (fresh modification times, as a fresh write leaves them). */
    private static void copyTree(java.nio.file.Path from, java.nio.file.Path to)
            throws IOException {
        try (var paths = Files.walk(from)) {
            for (java.nio.file.Path p : paths.toList()) {
                java.nio.file.Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
    }

    private static void deleteTree(java.nio.file.Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder left behind at JVM exit is harmless
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
