package io.decisionledger.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.testing.Proves;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificData;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log on a local lake: one immutable file per access, a gap-free hash chain across
 * writers, and verification that notices every kind of tampering with its files.
 */
class AccessLogTest {

    @TempDir Path dir;

    private static final Caller OFFICER = Caller.cli("a.officer", AuditRole.COMPLIANCE_OFFICER);

    private AccessLog log(Clock clock) {
        return new AccessLog(LakeLayout.at(dir.resolve("lake").toUri().toString()), clock);
    }

    private static AccessLog.Access access(String eventId) {
        return new AccessLog.Access(
                OFFICER,
                AccessLog.Action.EVENT,
                "complaint C-1",
                AccessLog.DATASET_DECISIONS,
                "bank_456",
                List.of(eventId),
                Map.of("tenant", "bank_456", "event_id", eventId));
    }

    @Test
    @Proves({"GDPR-Art-30", "EU-AI-Act-Art-12"})
    void writesOneChainedFilePerAccess() throws Exception {
        AccessLog log = log(Clock.systemUTC());

        AccessLogEntry first = log.record(access("evt-1"));
        AccessLogEntry second = log.record(access("evt-2"));
        AccessLogEntry none =
                log.record(
                        new AccessLog.Access(
                                OFFICER,
                                AccessLog.Action.DECISION_AT,
                                "complaint C-1",
                                AccessLog.DATASET_DECISIONS,
                                "bank_456",
                                List.of(),
                                Map.of("tenant", "bank_456")));

        assertThat(first.getLogSeq()).isEqualTo(1);
        assertThat(first.getPrevHash()).isEqualTo(AccessLogHasher.GENESIS);
        assertThat(second.getPrevHash()).isEqualTo(first.getHash());
        assertThat(none.getLogSeq()).isEqualTo(3);
        assertThat(none.getOutcome()).isEqualTo("NONE_FOUND");
        assertThat(second.getOutcome()).isEqualTo("RETURNED");
        assertThat(second.getQueryJson())
                .isEqualTo("{\"event_id\":\"evt-2\",\"tenant\":\"bank_456\"}");
        assertThat(parquetFiles()).hasSize(3);
        assertThat(parquetFiles().get(0).getFileName().toString())
                .startsWith("access-00000000000000000001-")
                .endsWith(".parquet");
        assertThat(log.entries(null, null, e -> true))
                .extracting(AccessLogEntry::getLogSeq)
                .containsExactly(1L, 2L, 3L);
        AccessLog.Verification v = log.verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.entries()).isEqualTo(3);
        assertThat(v.lastHash()).isEqualTo(none.getHash());
    }

    @Test
    void refusesAnAccessWithoutPurpose() {
        AccessLog log = log(Clock.systemUTC());
        AccessLog.Access noPurpose =
                new AccessLog.Access(
                        OFFICER,
                        AccessLog.Action.EVENT,
                        "  ",
                        AccessLog.DATASET_DECISIONS,
                        "bank_456",
                        List.of(),
                        Map.of());

        assertThatThrownBy(() -> log.record(noPurpose)).hasMessageContaining("purpose is required");
        assertThat(Files.exists(dir.resolve("lake/access-log"))).isFalse();
    }

    @Test
    void keepsOneGapFreeChainUnderConcurrentWriters() throws Exception {
        AccessLog a = log(Clock.systemUTC());
        AccessLog b = log(Clock.systemUTC());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<AccessLogEntry>> futures = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            AccessLog target = i % 2 == 0 ? a : b;
            String id = "evt-" + i;
            futures.add(pool.submit(() -> target.record(access(id))));
        }
        for (Future<AccessLogEntry> f : futures) {
            f.get();
        }
        pool.shutdown();

        AccessLog.Verification v = a.verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.entries()).isEqualTo(24);
        assertThat(v.lastSeq()).isEqualTo(24);
    }

    @Test
    void writersThatShareNoLockStillKeepOneChain() throws Exception {
        // given two writers on the same lake that share no in-JVM lock (the lake spelled two
        // ways, as two processes or two API replicas would be): only the seq claims keep them apart
        String uri = dir.resolve("lake").toUri().toString();
        AccessLog a = new AccessLog(LakeLayout.at(uri), Clock.systemUTC());
        AccessLog b =
                new AccessLog(
                        LakeLayout.at("file:" + dir.resolve("lake").toAbsolutePath()),
                        Clock.systemUTC());
        assertThat(LakeLayout.at(uri).root())
                .isNotEqualTo(LakeLayout.at("file:" + dir.resolve("lake").toAbsolutePath()).root());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<List<AccessLogEntry>>> futures = new ArrayList<>();
        for (AccessLog writer : List.of(a, b)) {
            futures.add(
                    pool.submit(
                            () -> {
                                List<AccessLogEntry> written = new ArrayList<>();
                                for (int i = 0; i < 20; i++) {
                                    written.add(writer.record(access("evt-" + i)));
                                }
                                return written;
                            }));
        }
        List<AccessLogEntry> written = new ArrayList<>();
        for (Future<List<AccessLogEntry>> f : futures) {
            written.addAll(f.get());
        }
        pool.shutdown();

        // then every append has its own seq, 1..40, and the chain verifies
        assertThat(written.stream().map(AccessLogEntry::getLogSeq).distinct()).hasSize(40);
        AccessLog.Verification v = a.verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.entries()).isEqualTo(40);
        assertThat(v.lastSeq()).isEqualTo(40);
        assertThat(parquetFiles()).hasSize(40);
        try (Stream<Path> claims = Files.list(dir.resolve("lake/access-log/_seq"))) {
            assertThat(claims.filter(p -> p.toString().endsWith(".json"))).hasSize(40);
        }
    }

    @Test
    void publishesAnEntryWhoseWriterStoppedAfterClaimingIt() throws Exception {
        // given an entry that was claimed but never renamed to its visible name
        AccessLog log = log(Clock.systemUTC());
        AccessLogEntry first = log.record(access("evt-1"));
        Path visible = parquetFiles().get(0);
        Path hidden =
                dir.resolve("lake/access-log/_staging/" + visible.getFileName() + ".inprogress");
        Files.move(visible, hidden);
        assertThat(parquetFiles()).isEmpty();

        // when the next writer appends
        AccessLogEntry second = log(Clock.systemUTC()).record(access("evt-2"));

        // then it published the stopped writer's entry and chained after it: no gap, no fork
        assertThat(second.getLogSeq()).isEqualTo(2);
        assertThat(second.getPrevHash()).isEqualTo(first.getHash());
        assertThat(parquetFiles()).hasSize(2).contains(visible);
        AccessLog.Verification v = log.verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.entries()).isEqualTo(2);
    }

    @Test
    void neverGoesBackInTimeWhenTheClockDoes() throws Exception {
        Instant late = Instant.parse("2026-03-16T00:00:05Z");
        log(Clock.fixed(late, ZoneOffset.UTC)).record(access("evt-1"));

        AccessLogEntry next =
                log(Clock.fixed(late.minusSeconds(3600), ZoneOffset.UTC)).record(access("evt-2"));

        assertThat(next.getAccessTime()).isEqualTo(late);
        assertThat(next.getLogSeq()).isEqualTo(2);
        assertThat(log(Clock.systemUTC()).verify().intact()).isTrue();
    }

    @Test
    void verificationReportsAnAlteredEntry() throws Exception {
        AccessLog log = log(Clock.systemUTC());
        for (int i = 0; i < 4; i++) {
            log.record(access("evt-" + i));
        }
        Path second = parquetFiles().get(1);
        AccessLogEntry e = read(second);
        e.setPurpose("routine check");
        rewrite(second, e);

        assertThat(log.verify().problems())
                .containsExactly("log_seq 2: hash does not recompute (entry altered)");
    }

    @Test
    @Proves({"GDPR-Art-30"})
    void verificationReportsADeletedEntryAndARecomputedForgery() throws Exception {
        AccessLog log = log(Clock.systemUTC());
        for (int i = 0; i < 4; i++) {
            log.record(access("evt-" + i));
        }
        Files.delete(parquetFiles().get(2));

        assertThat(log.verify().problems()).containsExactly("log_seq 3..3 missing");

        // an insider who rewrites the entry and recomputes its own hash still breaks the next link
        Path first = parquetFiles().get(0);
        AccessLogEntry e = read(first);
        e.setActor("someone.else");
        e.setHash(new AccessLogHasher().hash(e.getPrevHash(), e));
        rewrite(first, e);
        assertThat(log.verify().problems())
                .contains("log_seq 2: prev_hash does not link to the previous entry");
    }

    @Test
    void marksASelfAssertedCallersEntriesAndKeepsTheChainVerifiable() throws Exception {
        AccessLog log = log(Clock.systemUTC());
        // an entry as every earlier version wrote it: channel CLI
        AccessLogEntry before = log.record(access("evt-1"));
        Caller dev = Caller.selfAsserted("dev.me:compliance_officer:*");

        AccessLogEntry unverified =
                log.record(
                        new AccessLog.Access(
                                dev,
                                AccessLog.Action.EVENT,
                                "local test",
                                AccessLog.DATASET_DECISIONS,
                                "bank_456",
                                List.of("evt-2"),
                                Map.of("tenant", "bank_456")));
        AccessLogEntry after = log.record(access("evt-3"));

        assertThat(before.getChannel()).isEqualTo("CLI");
        assertThat(unverified.getChannel()).isEqualTo("CLI-UNAUTHENTICATED");
        assertThat(unverified.getActor()).isEqualTo("dev.me");
        assertThat(after.getChannel()).isEqualTo("CLI");
        assertThat(log.verify().problems()).isEmpty();
        // the marker is hashed: removing it is tampering
        Path second = parquetFiles().get(1);
        AccessLogEntry e = read(second);
        e.setChannel("CLI");
        rewrite(second, e);
        assertThat(log.verify().problems())
                .containsExactly("log_seq 2: hash does not recompute (entry altered)");
    }

    @Test
    void recordsARefusalWithoutAPurposeAsRefused() throws Exception {
        AccessLog log = log(Clock.systemUTC());

        AccessLogEntry refused =
                log.record(
                        AccessLog.Access.refused(
                                OFFICER,
                                AccessLog.Action.DECISION_AT,
                                null,
                                AccessLog.DATASET_DECISIONS,
                                "bank_999",
                                Map.of("tenant", "bank_999")));

        assertThat(refused.getOutcome()).isEqualTo("REFUSED");
        assertThat(refused.getRecordIds()).isEmpty();
        assertThat(refused.getPurpose()).isEqualTo("(none stated)");
        assertThat(refused.getTenantId()).isEqualTo("bank_999");
        assertThat(log.verify().intact()).isTrue();
    }

    private List<Path> parquetFiles() throws Exception {
        try (Stream<Path> s = Files.walk(dir.resolve("lake/access-log"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
        }
    }

    private static AccessLogEntry read(Path file) throws Exception {
        try (ParquetReader<AccessLogEntry> r =
                AvroParquetReader.<AccessLogEntry>builder(new LocalInputFile(file))
                        .withDataModel(SpecificData.getForClass(AccessLogEntry.class))
                        .build()) {
            return r.read();
        }
    }

    private static void rewrite(Path file, AccessLogEntry e) throws Exception {
        Files.delete(file);
        try (ParquetWriter<AccessLogEntry> w =
                AvroParquetWriter.<AccessLogEntry>builder(new LocalOutputFile(file))
                        .withSchema(AccessLogEntry.getClassSchema())
                        .withDataModel(SpecificData.getForClass(AccessLogEntry.class))
                        .build()) {
            w.write(e);
        }
    }
}
