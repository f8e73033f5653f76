package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.HeadSigner;
import io.decisionledger.chain.PemFileSigningKey;
import io.decisionledger.chain.Signatures;
import io.decisionledger.chain.TrustedKeys;
import io.decisionledger.compaction.CompactionOptions;
import io.decisionledger.compaction.CompactionRunner;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.ingest.IngestOptions;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.privacy.RecordErasure;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testkit.SampleDecisions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental verification on real lakes: a signed lake written by the ingest pipeline (decisions
 * and quarantine), verified once in full with {@code --incremental} (which writes verify state 1),
 * then grown by records that continue every chain (new files, new signed heads, as the ingest job
 * would add them) or tampered with, and verified again from the state. The second run must read
 * only what arrived since, and report each kind of tampering as its violation kind: a changed,
 * deleted or replaced covered file, new records that do not chain from the stored position, a
 * tampered, unsigned or rolled-back state; and compaction (the real CompactionJob) or erasure
 * rewriting covered files must be re-verified, clean.
 */
class IncrementalVerifyITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir static Path work;

    private static Path pristine;
    private static Path pem;
    private static Path trusted;
    private static HeadSigner signer;

    private String lastLog = "";

    @BeforeAll
    static void ingestASignedLake() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        pem = work.resolve("k1.pem");
        Files.writeString(
                pem,
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder().encodeToString(key.getPrivate().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
        trusted = work.resolve("trusted.keys");
        Files.writeString(trusted, TrustedKeys.line("k1", key.getPublic()) + "\n");
        signer = new PemFileSigningKey(pem.toString(), "k1").open();

        // four days back, so every partition is closed for compaction as of today
        SampleDecisions.Sample sample =
                SampleDecisions.generate(
                        31, 300, 6, 0, Instant.now().minus(java.time.Duration.ofDays(4)));
        pristine = work.resolve("pristine");
        IngestOptions options =
                IngestRun.boundedOptions("in-memory:9092", "decisions", pristine.toUri().toString())
                        .with("signing-key", pem.toString(), "signing-key-id", "k1");
        IngestRun.ingestInMemory(sample.events(), "decisions", options);
    }

    // ---- what arrived since --------------------------------------------------------------------

    @Test
    void aRunFromTheStateReadsOnlyWhatArrivedSinceAndAThirdReadsNothing() throws Exception {
        Path lake = copy("grown");
        VerifyReport first =
                verify(
                        lake,
                        "--incremental",
                        "--trusted-keys",
                        trusted.toString(),
                        "--signing-key",
                        pem.toString(),
                        "--signing-key-id",
                        "k1");
        assertThat(first.violations()).isEmpty();
        assertThat(first.state().mode()).isEqualTo("full");
        assertThat(first.state().stateWritten()).isEqualTo(1);
        assertThat(lastLog).contains("no verify state yet under");
        assertThat(first.quarantine().files()).isPositive();

        int newFiles = append(lake, "day2", 4, false);

        VerifyReport second =
                verify(
                        lake,
                        "--incremental",
                        "--trusted-keys",
                        trusted.toString(),
                        "--signing-key",
                        pem.toString(),
                        "--signing-key-id",
                        "k1");
        assertThat(second.violations()).isEmpty();
        assertThat(second.state().mode()).isEqualTo("incremental");
        assertThat(second.state().fromState()).isEqualTo(1);
        assertThat(second.state().reverified()).isEmpty();
        assertThat(second.files()).isEqualTo(newFiles);
        assertThat(second.records()).isEqualTo(4L * first.chains());
        assertThat(second.quarantine().files()).isZero();
        assertThat(second.state().filesSkipped())
                .isEqualTo(first.files() + first.quarantine().files());
        assertThat(second.state().stateWritten()).isEqualTo(2);
        assertThat(second.state().stateWrittenSigned()).isTrue();
        assertThat(second.summary())
                .contains("[incremental from state 1: ")
                .contains(" covered files skipped]");

        VerifyReport third = verify(lake, "--incremental", "--trusted-keys", trusted.toString());
        assertThat(third.violations()).isEmpty();
        VerifyReport unsignedThird = third;
        assertThat(unsignedThird.state().stateWrittenSigned()).isFalse();
        assertThat(third.violations()).isEmpty();
        assertThat(third.records()).isZero();
        assertThat(third.files()).isZero();
        assertThat(third.state().fromStateSigned()).isTrue();
        assertThat(lastLog).contains("incremental from verify state 2 (signature checked)");
    }

    @Test
    void reportsNewRecordsThatDoNotChainFromTheStoredPositionAsBrokenLinks() throws Exception {
        Path lake = copy("unlinked");
        assertThat(verify(lake, "--incremental").violations()).isEmpty();
        append(lake, "forged", 2, true);

        VerifyReport report = verify(lake, "--incremental");

        assertKinds(report, ViolationKind.BROKEN_LINK);
        assertThat(report.violations())
                .allMatch(v -> v.detail.endsWith("(the position the verify state recorded)"));
        assertThat(report.state().stateWritten()).as("no state after violations").isZero();
    }

    @Test
    void reportsANewFileRepeatingCoveredRecordsAsRepeatedSeqs() throws Exception {
        Path lake = copy("repeated");
        assertThat(verify(lake, "--incremental").violations()).isEmpty();
        Path covered = auditFiles(lake).get(0);
        Files.copy(covered, covered.resolveSibling("part-copied.parquet"));

        VerifyReport report = verify(lake, "--incremental");

        // the full run also reports DUPLICATE_EVENT_ID: incremental does not read the covered copy
        assertKinds(report, ViolationKind.SEQ_REPEATED);
        assertThat(report.files()).isEqualTo(1);
    }

    // ---- covered files changed -----------------------------------------------------------------

    @Test
    void reportsAChangedRecordInACoveredFileAsContentModified() throws Exception {
        Path lake = copy("changed");
        assertThat(verify(lake, "--incremental").violations()).isEmpty();
        Path file = middleFile(lake);
        rewrite(
                file,
                records ->
                        records.get(0).setDecisionApproved(!records.get(0).getDecisionApproved()));

        VerifyReport report = verify(lake, "--incremental");

        assertKinds(report, ViolationKind.CONTENT_MODIFIED);
        assertThat(report.state().reverified()).containsOnlyKeys("audit/" + tenantOf(file));
    }

    @Test
    void reportsADeletedCoveredFileAsAGap() throws Exception {
        Path lake = copy("deleted");
        assertThat(verify(lake, "--incremental").violations()).isEmpty();
        Path file = middleFile(lake);
        Files.delete(file);

        VerifyReport report = verify(lake, "--incremental");

        assertKinds(report, ViolationKind.SEQ_GAP);
        assertThat(report.state().reverified())
                .containsEntry("audit/" + tenantOf(file), "a covered file is gone");
    }

    @Test
    void reportsACoveredFileReplacedByOneWithoutARecordAsAGapEvenWithItsTimeReset()
            throws Exception {
        Path lake = copy("replaced");
        assertThat(verify(lake, "--incremental").violations()).isEmpty();
        Path file = middleFile(lake);
        FileTime time = Files.getLastModifiedTime(file);
        rewrite(file, records -> records.remove(records.size() / 2));
        Files.setLastModifiedTime(file, time);

        VerifyReport report = verify(lake, "--incremental");

        assertKinds(report, ViolationKind.SEQ_GAP);
        assertThat(report.state().reverified()).containsKey("audit/" + tenantOf(file));
    }

    @Test
    void aFooterChangedWithSizeAndTimeKeptMakesItsTenantBeReverified() throws Exception {
        Path lake = copy("footer");
        assertThat(verify(lake, "--incremental").violations()).isEmpty();
        Path file = middleFile(lake);
        FileTime time = Files.getLastModifiedTime(file);
        byte[] bytes = Files.readAllBytes(file);
        // a byte of the footer's created_by text: same size, same rows, another footer
        int at = indexOf(bytes, "parquet-mr".getBytes(StandardCharsets.US_ASCII));
        assertThat(at).isPositive();
        bytes[at] = 'P';
        Files.write(file, bytes);
        Files.setLastModifiedTime(file, time);

        VerifyReport report = verify(lake, "--incremental");

        assertThat(report.violations()).isEmpty();
        assertThat(report.state().reverified())
                .containsEntry("audit/" + tenantOf(file), "a covered file's footer changed");
    }

    @Test
    void aByteFlipInsideADataPageThatKeepsSizeTimeAndFooterIsCaughtOnlyByAFullRun()
            throws Exception {
        Path lake = copy("page-flip");
        assertThat(verify(lake, "--incremental").violations()).isEmpty();
        Path file = middleFile(lake);
        FileTime time = Files.getLastModifiedTime(file);
        byte[] bytes = Files.readAllBytes(file);
        int footer =
                java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 4)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .getInt();
        int dataEnd = bytes.length - 8 - footer;
        bytes[4 + (dataEnd - 4) / 2] ^= 0x5a; // inside the data pages, far from the footer
        Files.write(file, bytes);
        Files.setLastModifiedTime(file, time);

        VerifyReport incremental = verify(lake, "--incremental");
        VerifyReport full = verify(lake);

        // the documented limit of incremental runs: the footer digest does not cover data pages
        assertThat(incremental.violations()).isEmpty();
        assertThat(full.clean()).isFalse();
    }

    // ---- the state itself ----------------------------------------------------------------------

    @Test
    void reportsAnEditedStateAsTamperedAndVerifiesEverything() throws Exception {
        Path lake = copy("state-edited");
        VerifyReport first = verify(lake, "--incremental");
        Path state = stateFile(lake, 1);
        Files.writeString(
                state, Files.readString(state).replaceFirst("\"size\" : (\\d)", "\"size\" : 9$1"));

        VerifyReport report = verify(lake, "--incremental");

        assertKinds(report, ViolationKind.STATE_TAMPERED);
        assertThat(report.violations().get(0).detail)
                .endsWith("its content does not hash to the sha256 stored with it (edited)");
        assertThat(report.files()).as("a full run").isEqualTo(first.files());
        assertThat(report.records()).isEqualTo(first.records());
        assertThat(report.state().stateWritten()).isZero();

        // once investigated: a full run starts the next state, and incremental runs go on from it
        VerifyReport refreshed = verify(lake, "--refresh-state");
        assertThat(refreshed.violations()).isEmpty();
        assertThat(refreshed.state().stateWritten()).isEqualTo(2);
        assertThat(lastLog).contains("the newest verify state fails its checks: STATE_TAMPERED");
        VerifyReport next = verify(lake, "--incremental");
        assertThat(next.violations()).isEmpty();
        assertThat(next.state().fromState()).isEqualTo(2);
        assertThat(next.records()).isZero();
    }

    @Test
    void reportsASignedStateReHashedAfterAnEditAsTamperedByItsSignature() throws Exception {
        Path lake = copy("state-resigned");
        VerifyReport first =
                verify(
                        lake,
                        "--incremental",
                        "--signing-key",
                        pem.toString(),
                        "--signing-key-id",
                        "k1");
        assertThat(first.state().stateWrittenSigned()).isTrue();
        Path file = stateFile(lake, 1);
        VerifyState s = VerifyState.fromJson(Files.readAllBytes(file), "state");
        // the attacker drops a covered file from the state and re-computes its sha256
        VerifyState edited =
                new VerifyState(
                        s.lake(),
                        s.run(),
                        s.previousSha256(),
                        s.verifiedAt(),
                        s.mode(),
                        s.chains(),
                        s.files().subList(1, s.files().size()),
                        s.signatureKeyId(),
                        s.signatureAlgorithm(),
                        s.signature());
        Files.write(file, edited.toJson());

        VerifyReport report = verify(lake, "--incremental", "--trusted-keys", trusted.toString());

        assertKinds(report, ViolationKind.STATE_TAMPERED);
        assertThat(report.violations().get(0).detail)
                .isEqualTo("the signature does not verify with trusted key k1");
        assertThat(report.files()).isEqualTo(first.files());
    }

    @Test
    void reportsAForgedUnsignedStateByThePublishedHeads() throws Exception {
        Path lake = copy("state-forged");
        verify(lake, "--incremental");
        Path file = stateFile(lake, 1);
        VerifyState s = VerifyState.fromJson(Files.readAllBytes(file), "state");
        List<VerifyState.Chain> chains = new ArrayList<>(s.chains());
        VerifyState.Chain c = chains.get(0);
        chains.set(
                0,
                new VerifyState.Chain(
                        c.dataset(), c.tenantId(), c.chainShard(), c.seq(), "0".repeat(64)));
        Files.write(
                file,
                VerifyState.unsigned(
                                s.lake(),
                                s.run(),
                                s.previousSha256(),
                                s.verifiedAt(),
                                s.mode(),
                                chains,
                                s.files())
                        .toJson());

        VerifyReport report = verify(lake, "--incremental");

        assertKinds(report, ViolationKind.STATE_TAMPERED);
        assertThat(report.violations().get(0).detail)
                .contains("differs from the published head at that seq");
    }

    @Test
    void reportsAnUnsignedStateAsUnsignedWhenKeysAreTrusted() throws Exception {
        Path lake = copy("state-unsigned");
        verify(lake, "--incremental");

        VerifyReport report = verify(lake, "--incremental", "--trusted-keys", trusted.toString());

        assertKinds(report, ViolationKind.STATE_UNSIGNED);
    }

    @Test
    void reportsAnOlderStatePutInPlaceOfTheNewestAsRolledBack() throws Exception {
        Path lake = copy("state-rolled-back");
        verify(lake, "--incremental");
        append(lake, "day2", 2, false);
        assertThat(verify(lake, "--incremental").state().stateWritten()).isEqualTo(2);
        Files.copy(
                stateFile(lake, 1),
                stateFile(lake, 2),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        VerifyReport report = verify(lake, "--incremental");

        assertKinds(report, ViolationKind.STATE_ROLLED_BACK);
        assertThat(report.violations().get(0).detail)
                .isEqualTo(
                        "the file of state 2 holds the state of run 1: an older state was put in"
                                + " place of the newest");
        assertThat(report.state().mode()).isEqualTo("full");
    }

    @Test
    void aFullRunIsTheDefaultAndWritesNoState() throws Exception {
        Path lake = copy("default");
        VerifyReport report = verify(lake);
        assertThat(report.state()).isNull();
        assertThat(lake.resolve("verify")).doesNotExist();
    }

    // ---- compaction and erasure rewrite covered files -------------------------------------------

    @Test
    void aPartitionCompactionRewroteIsReverifiedCleanAndThenCoveredAgain() throws Exception {
        Path lake = copy("compacted");
        VerifyReport first = verify(lake, "--incremental");
        assertThat(first.violations()).isEmpty();
        Map<String, List<String>> before = auditFilesByTenant(lake);

        new CompactionRunner(
                        CompactionOptions.parse(
                                new String[] {
                                    "--lake",
                                    LakeLayout.at(lake.toUri().toString()).root(),
                                    "--as-of",
                                    LocalDate.now(ZoneOffset.UTC).toString(),
                                    "--run-id",
                                    "it",
                                    "--no-legal-holds"
                                }))
                .run(environment(), System.out);
        assertThat(auditFilesByTenant(lake)).isNotEqualTo(before);

        VerifyReport second = verify(lake, "--incremental");
        assertThat(second.violations()).isEmpty();
        assertThat(second.state().mode()).isEqualTo("incremental");
        assertThat(second.state().reverified())
                .containsKeys(
                        before.keySet().stream().map(t -> "audit/" + t).toArray(String[]::new));
        assertThat(second.records()).isEqualTo(first.records());

        VerifyReport third = verify(lake, "--incremental");
        assertThat(third.violations()).isEmpty();
        assertThat(third.files()).isZero();
        assertThat(third.state().reverified()).isEmpty();
    }

    @Test
    void aFileErasureRewroteIsReverifiedCleanWithItsErasureCounted() throws Exception {
        Path lake = copy("erased");
        assertThat(verify(lake, "--incremental").violations()).isEmpty();
        Path file = middleFile(lake);
        rewrite(
                file,
                records ->
                        RecordErasure.erase(
                                records.get(0),
                                List.of("user_id"),
                                "erasure-7",
                                Instant.parse("2026-04-01T00:00:00Z")));

        VerifyReport report = verify(lake, "--incremental");

        assertThat(report.violations()).isEmpty();
        assertThat(report.erasedByRequest()).isEqualTo(Map.of("erasure-7", 1L));
        assertThat(report.state().reverified()).containsOnlyKeys("audit/" + tenantOf(file));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private VerifyReport verify(Path lake, String... extra) throws Exception {
        List<String> args = new ArrayList<>();
        args.addAll(
                List.of(
                        "--lake",
                        lake.toUri().toString(),
                        "--report",
                        work.resolve("report.json").toString()));
        args.addAll(List.of(extra));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        VerifyReport report =
                new VerifyRunner(VerifyJob.Options.parse(args.toArray(new String[0])))
                        .run(env, new PrintStream(log, true, StandardCharsets.UTF_8));
        lastLog = log.toString(StandardCharsets.UTF_8);
        return report;
    }

    private static StreamExecutionEnvironment environment() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        return env;
    }

    private static void assertKinds(VerifyReport report, ViolationKind... kinds) {
        assertThat(report.violationsByKind().keySet())
                .as("violations: %s", report.violations())
                .isEqualTo(Stream.of(kinds).map(Enum::name).collect(Collectors.toSet()));
    }

    private static Path stateFile(Path lake, long run) {
        return lake.resolve("verify/state").resolve(VerifyStates.fileName(run));
    }

    /**
     * Continues every audit chain by {@code perChain} records in a new file of its tail's
     * partition, and publishes each chain's new head, signed: what the ingest job adds in a day.
     * With {@code unlinked} the first new record of each chain names a wrong prev_hash (its own
     * hash recomputed over it, so only the link is wrong). Returns the files written.
     */
    private static int append(Path lake, String tag, int perChain, boolean unlinked)
            throws Exception {
        Map<String, DecisionRecord> tails = new TreeMap<>();
        for (Path f : auditFiles(lake)) {
            for (DecisionRecord r : read(f)) {
                tails.merge(
                        r.getTenantId() + "/" + r.getChainShard(),
                        r,
                        (a, b) -> a.getChainSeq() >= b.getChainSeq() ? a : b);
            }
        }
        ChainHasher hasher = new ChainHasher();
        CanonicalContent content = new CanonicalContent();
        SecureRandom random = new SecureRandom();
        int files = 0;
        for (DecisionRecord tail : tails.values()) {
            List<DecisionRecord> added = new ArrayList<>();
            DecisionRecord prev = tail;
            for (int i = 0; i < perChain; i++) {
                DecisionRecord r = DecisionRecord.newBuilder(tail).build();
                r.setEventId(tail.getEventId() + "-" + tag + "-" + i);
                byte[] salt = new byte[CanonicalContent.SALT_BYTES];
                random.nextBytes(salt);
                r.setFieldSalt(HexFormat.of().formatHex(salt));
                r.setContentSha256(content.layout3(r, salt).contentSha256());
                r.setChainSeq(prev.getChainSeq() + 1);
                r.setPrevHash(unlinked && i == 0 ? "0".repeat(64) : prev.getHash());
                r.setHash(hasher.hash(r.getPrevHash(), r));
                added.add(r);
                prev = r;
            }
            Path dir = fileOf(lake, tail).getParent();
            LakeFiles.writeParquet(
                    new org.apache.flink.core.fs.Path(
                            dir.resolve("part-" + tag + "-" + tail.getChainShard() + ".parquet")
                                    .toUri()),
                    added);
            files++;
            ChainHead head =
                    ChainHead.newBuilder()
                            .setTenantId(prev.getTenantId())
                            .setChainShard(prev.getChainShard())
                            .setChainSeq(prev.getChainSeq())
                            .setHash(prev.getHash())
                            .setEventId(prev.getEventId())
                            .setPublishedAt(Instant.now())
                            .build();
            Signatures.sign(head, signer);
            LakeFiles.writeParquet(
                    new org.apache.flink.core.fs.Path(
                            lake.resolve("chain/heads/tenant_id=" + prev.getTenantId())
                                    .resolve("head_date=" + LocalDate.now(ZoneOffset.UTC))
                                    .resolve(
                                            "heads-"
                                                    + tag
                                                    + "-"
                                                    + prev.getChainShard()
                                                    + ".parquet")
                                    .toUri()),
                    List.of(head));
        }
        return files;
    }

    private static Path fileOf(Path lake, DecisionRecord r) throws IOException {
        for (Path f : auditFiles(lake)) {
            if (read(f).stream().anyMatch(x -> x.getEventId().equals(r.getEventId()))) {
                return f;
            }
        }
        throw new IllegalStateException("no file holds " + r.getEventId());
    }

    /**
     * An audit file of the biggest tenant that holds neither a chain's first record nor any chain's
     * last: deleting it leaves a gap, not a truncated chain.
     */
    private static Path middleFile(Path lake) throws IOException {
        Map<String, Long> lastSeq = new TreeMap<>();
        Map<Path, List<DecisionRecord>> byFile = new LinkedHashMap<>();
        for (Path f : auditFiles(lake)) {
            List<DecisionRecord> records = read(f);
            byFile.put(f, records);
            for (DecisionRecord r : records) {
                lastSeq.merge(chainOf(r), r.getChainSeq(), Math::max);
            }
        }
        return byFile.entrySet().stream()
                .filter(e -> e.getValue().size() > 2)
                .filter(
                        e ->
                                e.getValue().stream()
                                        .noneMatch(
                                                r ->
                                                        r.getChainSeq() == 1
                                                                || r.getChainSeq()
                                                                        .equals(
                                                                                lastSeq.get(
                                                                                        chainOf(
                                                                                                r)))))
                .max(Comparator.comparingInt(e -> e.getValue().size()))
                .map(Map.Entry::getKey)
                .orElseThrow();
    }

    private static String chainOf(DecisionRecord r) {
        return r.getTenantId() + "/" + r.getChainShard();
    }

    private static String tenantOf(Path file) {
        String p = file.toString();
        int t = p.indexOf("tenant_id=");
        return p.substring(t + "tenant_id=".length(), p.indexOf('/', t));
    }

    private static Map<String, List<String>> auditFilesByTenant(Path lake) throws IOException {
        Map<String, List<String>> out = new TreeMap<>();
        for (Path f : auditFiles(lake)) {
            out.computeIfAbsent(tenantOf(f), t -> new ArrayList<>()).add(f.toString());
        }
        return out;
    }

    private static void rewrite(Path file, Consumer<List<DecisionRecord>> edit) throws Exception {
        List<DecisionRecord> records = new ArrayList<>(read(file));
        edit.accept(records);
        Files.delete(file);
        LakeFiles.writeParquet(new org.apache.flink.core.fs.Path(file.toUri()), records);
    }

    private static List<DecisionRecord> read(Path file) throws IOException {
        org.apache.flink.core.fs.Path p = new org.apache.flink.core.fs.Path(file.toUri());
        FileStatus status = p.getFileSystem().getFileStatus(p);
        List<DecisionRecord> out = new ArrayList<>();
        LakeFiles.forEachRecord(status, DecisionRecord.class, out::add);
        return out;
    }

    private static List<Path> auditFiles(Path lake) throws IOException {
        try (Stream<Path> paths = Files.walk(lake.resolve("audit/decisions"))) {
            return paths.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .filter(f -> !f.toString().contains("/_"))
                    .sorted()
                    .toList();
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static Path copy(String name) throws IOException {
        Path target = work.resolve(name);
        try (Stream<Path> paths = Files.walk(pristine)) {
            for (Path p : paths.toList()) {
                Path dest = target.resolve(pristine.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
        return target;
    }
}
