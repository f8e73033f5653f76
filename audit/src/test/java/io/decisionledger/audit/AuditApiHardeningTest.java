package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.access.AccessLogPages;
import io.decisionledger.access.ApiTokens;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.SmallFileLake;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.flink.core.fs.FileStatus;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit HTTP API against attacks and misuse, over real HTTP (java.net.http and raw sockets)
 * against a started {@link AuditApi} on a small lake written the way ingest writes it (real parsed,
 * chained decisions and published heads): slow-header connections are closed, callers are rate
 * limited, listings are paged and bounded, access-log reads log a digest, bundles find their
 * accesses through the index, untrusted bundle ids never name a path, errors name no server path,
 * log lines cannot be forged, a re-stored event id is reported as a collision, plain HTTP is
 * refused beyond loopback, and the OpenAPI document matches the server.
 */
class AuditApiHardeningTest {

    @TempDir static Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PURPOSE = "Complaint C-2026-0099";
    private static final List<LocalDate> DATES =
            List.of(
                    LocalDate.now(ZoneOffset.UTC).minusDays(5),
                    LocalDate.now(ZoneOffset.UTC).minusDays(3),
                    LocalDate.now(ZoneOffset.UTC).minusDays(1));

    /** A lake as ingest writes it (valid chains and heads). */
    private static LakeLayout lake;

    private static Path lakeDir;
    private static List<DecisionRecord> all;

    /** The same decisions re-filed so that five users have many decisions each. */
    private static LakeLayout historyLake;

    private static Path historyLakeDir;
    private static List<DecisionRecord> historyRecords;
    private static Path tokens;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void writeLakes() throws IOException {
        lakeDir = dir.resolve("lake");
        lake = LakeLayout.at(lakeDir.toUri().toString());
        SmallFileLake.write(lake, 240, DATES, 20, 0, 11);
        all = new ArrayList<>();
        for (org.apache.flink.core.fs.Path p : LakeFiles.auditPartitions(lake, null, null, null)) {
            for (FileStatus f : LakeFiles.parquetFiles(p)) {
                LakeFiles.forEachRecord(f, DecisionRecord.class, all::add);
            }
        }
        assertThat(all).hasSize(240);

        historyLakeDir = dir.resolve("history-lake");
        historyLake = LakeLayout.at(historyLakeDir.toUri().toString());
        historyRecords = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            DecisionRecord r = DecisionRecord.newBuilder(all.get(i)).build();
            r.setUserId("user_" + (i % 5));
            historyRecords.add(r);
        }
        Map<String, List<DecisionRecord>> byPartition =
                historyRecords.stream()
                        .collect(
                                Collectors.groupingBy(
                                        r ->
                                                "tenant_id="
                                                        + r.getTenantId()
                                                        + "/event_date="
                                                        + DecisionScan.utcDate(r.getEventTime())));
        for (Map.Entry<String, List<DecisionRecord>> e : byPartition.entrySet()) {
            List<DecisionRecord> rows = e.getValue();
            for (int from = 0, n = 0; from < rows.size(); from += 7, n++) {
                LakeFiles.writeParquet(
                        new org.apache.flink.core.fs.Path(
                                historyLake.auditDecisions(),
                                e.getKey() + "/part-" + n + ".parquet"),
                        rows.subList(from, Math.min(rows.size(), from + 7)));
            }
        }

        tokens = dir.resolve("tokens");
        Files.writeString(
                tokens,
                ApiTokens.digestHex("officer-token")
                        + " api.officer compliance_officer *\n"
                        + ApiTokens.digestHex("officer2-token")
                        + " api.officer2 compliance_officer *\n"
                        + ApiTokens.digestHex("operator-token")
                        + " api.operator operator *\n");
    }

    // ---- denial of service ------------------------------------------------------------------

    @Test
    void closesConnectionsThatSendTheirHeadersTooSlowlyAndKeepsServing() throws Exception {
        try (AuditApi api = api(lake)) {
            int port = api.start();
            // more slow connections than request threads (4): without a request timeout they
            // hold every thread and the API answers nobody
            List<Socket> slow = new ArrayList<>();
            List<Thread> tricklers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port));
                s.setSoTimeout(90_000);
                slow.add(s);
                Thread t = new Thread(() -> trickle(s), "slowloris-" + i);
                t.setDaemon(true);
                t.start();
                tricklers.add(t);
            }
            for (Socket s : slow) {
                // the server closes it while headers are still arriving: end of stream or reset
                assertThat(readUntilClosed(s)).isEqualTo("closed by the server");
            }
            HttpResponse<String> health = get(api, "/health", null);
            assertThat(health.statusCode()).isEqualTo(200);
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    /** Sends a request line and then one header byte every 200 ms, never finishing. */
    private static void trickle(Socket s) {
        try {
            OutputStream out = s.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (int i = 0; i < 450; i++) {
                out.write('X');
                out.flush();
                Thread.sleep(200);
            }
        } catch (IOException | InterruptedException e) {
            // the server closed the connection: what the test waits for
        }
    }

    private static String readUntilClosed(Socket s) throws IOException {
        try {
            InputStream in = s.getInputStream();
            while (in.read() != -1) {
                // a response would mean the request completed: keep reading to the close
            }
            return "closed by the server";
        } catch (SocketTimeoutException e) {
            return "still open after 90 s";
        } catch (SocketException e) {
            return "closed by the server";
        }
    }

    @Test
    void rateLimitsEachCallerWith429AndRetryAfter() throws Exception {
        try (AuditApi api = api(lake, "--rate-limit", "1", "--rate-burst", "2")) {
            api.start();
            String event = "/v1/event?tenant=" + all.get(0).getTenantId() + "&event_id=nope";

            int first = get(api, event, "operator-token").statusCode();
            int second = get(api, event, "operator-token").statusCode();
            HttpResponse<String> third = get(api, event, "operator-token");
            HttpResponse<String> otherCaller = get(api, event, "officer2-token");

            assertThat(first).isEqualTo(404);
            assertThat(second).isEqualTo(404);
            assertThat(third.statusCode()).isEqualTo(429);
            assertThat(third.headers().firstValue("Retry-After").map(Long::parseLong))
                    .hasValueSatisfying(s -> assertThat(s).isBetween(1L, 60L));
            assertThat(JSON.readTree(third.body()).get("error").asText()).contains("rate limit");
            // another caller has its own bucket (purpose missing for a full read: 400, not 429)
            assertThat(otherCaller.statusCode()).isEqualTo(400);
        }
    }

    @Test
    void historyIsPagedAndTheScanStopsAtTheFirstPartitionThatFillsThePage() throws Exception {
        DecisionRecord someone = historyRecords.get(0);
        String tenant = someone.getTenantId();
        List<String> expected =
                historyRecords.stream()
                        .filter(
                                r ->
                                        r.getTenantId().equals(tenant)
                                                && r.getUserId().equals(someone.getUserId()))
                        .sorted(
                                Comparator.comparing(DecisionRecord::getEventTime)
                                        .thenComparing(DecisionRecord::getIngestTime)
                                        .thenComparing(DecisionRecord::getEventId))
                        .map(DecisionRecord::getEventId)
                        .toList();
        assertThat(expected).hasSizeGreaterThan(12);
        try (AuditApi api = api(historyLake, "--max-page-size", "10")) {
            api.start();
            String base =
                    "/v1/history?tenant="
                            + tenant
                            + "&user="
                            + someone.getUserId()
                            + "&purpose="
                            + enc(PURPOSE);

            // no limit: the server's maximum, never everything
            JsonNode unbounded = JSON.readTree(get(api, base, "officer-token").body());
            assertThat(unbounded.get("count").asInt()).isEqualTo(10);
            assertThat(unbounded.has("next_page_token")).isTrue();

            List<String> seen = new ArrayList<>();
            String token = null;
            int pages = 0;
            do {
                HttpResponse<String> r =
                        get(
                                api,
                                base + "&limit=4" + (token == null ? "" : "&page_token=" + token),
                                "officer-token");
                assertThat(r.statusCode()).isEqualTo(200);
                JsonNode page = JSON.readTree(r.body());
                assertThat(page.get("count").asInt()).isBetween(1, 4);
                if (pages == 0) {
                    // 4+1 matches are in the first partition: the later ones are not read
                    assertThat(page.get("scan").get("partitions").asInt()).isEqualTo(1);
                }
                page.get("records").forEach(rec -> seen.add(rec.get("event_id").asText()));
                token = page.has("next_page_token") ? page.get("next_page_token").asText() : null;
                pages++;
            } while (token != null && pages < 100);
            assertThat(seen).containsExactlyElementsOf(expected);

            HttpResponse<String> tooLarge = get(api, base + "&limit=11", "officer-token");
            HttpResponse<String> otherQuery =
                    get(
                            api,
                            "/v1/history?tenant="
                                    + tenant
                                    + "&user=user_4&purpose=x&page_token="
                                    + JSON.readTree(
                                                    get(api, base + "&limit=1", "officer-token")
                                                            .body())
                                            .get("next_page_token")
                                            .asText(),
                            "officer-token");
            assertThat(tooLarge.statusCode()).isEqualTo(400);
            assertThat(otherQuery.statusCode()).isEqualTo(400);
            assertThat(otherQuery.body()).contains("another query");
        }
    }

    @Test
    void accessLogIsPagedAndItsReadsLogADigestNotTheIds() throws Exception {
        LakeLayout own = copyLake("access-paging");
        try (AuditApi api = api(own, "--max-page-size", "5")) {
            api.start();
            DecisionRecord r = all.get(3);
            for (int i = 0; i < 12; i++) {
                assertThat(
                                get(
                                                api,
                                                "/v1/event?tenant="
                                                        + r.getTenantId()
                                                        + "&event_id="
                                                        + r.getEventId()
                                                        + "&purpose=read-"
                                                        + i,
                                                "officer-token")
                                        .statusCode())
                        .isEqualTo(200);
            }
            String base = "/v1/access-log?purpose=" + enc(PURPOSE) + "&actor=api.officer";
            List<Long> seqs = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            List<String> readIds = new ArrayList<>();
            String token = null;
            do {
                JsonNode page =
                        JSON.readTree(
                                get(
                                                api,
                                                base
                                                        + (token == null
                                                                ? ""
                                                                : "&page_token=" + token),
                                                "officer-token")
                                        .body());
                assertThat(page.get("count").asInt()).isBetween(1, 5);
                List<String> pageIds = new ArrayList<>();
                page.get("records")
                        .forEach(
                                e -> {
                                    seqs.add(e.get("log_seq").asLong());
                                    pageIds.add(e.get("access_id").asText());
                                });
                ids.addAll(pageIds);
                readIds.add(page.get("access_log").get("access_id").asText());
                AccessLogEntry logged =
                        entry(own, page.get("access_log").get("access_id").asText());
                JsonNode q = JSON.readTree(logged.getQueryJson());
                String digest = AuditQueries.idsDigest(pageIds.stream().sorted().toList());
                // the read is logged as a count and a digest, never the list of ids
                assertThat(logged.getRecordIds()).containsExactly("sha256:" + digest);
                assertThat(q.get("returned_count").asInt()).isEqualTo(pageIds.size());
                assertThat(q.get("returned_ids_sha256").asText()).isEqualTo(digest);
                token = page.has("next_page_token") ? page.get("next_page_token").asText() : null;
            } while (token != null && seqs.size() < 1000);
            // every event read and every earlier access-log read by this actor, once, in seq order
            assertThat(seqs).isSorted().doesNotHaveDuplicates();
            assertThat(new HashSet<>(ids)).hasSize(ids.size());
            assertThat(ids.size()).isGreaterThanOrEqualTo(12);
        }
    }

    @Test
    void accessLogPagesReadOnlyThePageAndOneMoreEntry() throws Exception {
        LakeLayout own = copyLake("access-bounded");
        AuditQueries q = new AuditQueries(own, Clock.systemUTC());
        Caller officer = Caller.cli("o", AuditRole.COMPLIANCE_OFFICER);
        DecisionRecord r = all.get(5);
        for (int i = 0; i < 20; i++) {
            q.event(officer, "p" + i, r.getTenantId(), r.getEventId(), null);
        }
        AtomicInteger tested = new AtomicInteger();
        AccessLogPages.Page page =
                new AccessLogPages(own)
                        .read(
                                null,
                                null,
                                0,
                                5,
                                null,
                                null,
                                e -> {
                                    tested.incrementAndGet();
                                    return true;
                                });
        assertThat(page.entries())
                .extracting(AccessLogEntry::getLogSeq)
                .containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(page.more()).isTrue();
        assertThat(tested.get()).isEqualTo(6);
    }

    @Test
    void bundlesFindTheirAccessesThroughTheIndexAndFallBackToAFullReadWhenItIsMissing()
            throws Exception {
        LakeLayout own = copyLake("bundle-index");
        AuditQueries q = new AuditQueries(own, Clock.systemUTC());
        Caller officer = Caller.cli("o", AuditRole.COMPLIANCE_OFFICER);
        DecisionRecord r = all.get(7);
        DecisionRecord other = all.get(8);
        for (int i = 0; i < 3; i++) {
            q.event(officer, "p" + i, r.getTenantId(), r.getEventId(), null);
            q.event(officer, "p" + i, other.getTenantId(), other.getEventId(), null);
        }
        List<Long> all = expectedAccesses(own, r);

        JsonNode indexed = bundleAccessLog(own, r, "b1");
        assertThat(indexed.get("read_via").asText()).isEqualTo("index");
        List<Long> viaIndex = seqs(indexed);
        // the bundle's own creation is the last access listed
        assertThat(viaIndex).hasSize(all.size() + 1).startsWith(all.toArray(Long[]::new));

        // a stale index (the head's writer stopped before indexing it) is not trusted: the read
        // says so and scans, and finds the same entries
        AccessLogPages pages = new AccessLogPages(own);
        Path indexDir = Path.of(URI.create(own.accessLog().toUri().toString())).resolve("_index");
        long head = viaIndex.get(viaIndex.size() - 1);
        Files.delete(indexDir.resolve("indexed").resolve(String.format("%020d", head)));
        AccessLogPages.Page stale =
                pages.read(null, null, 0, 1000, r.getTenantId(), r.getEventId(), e -> true);
        assertThat(stale.source()).startsWith("scan").contains("stale");
        assertThat(stale.entries()).extracting(AccessLogEntry::getLogSeq).isEqualTo(viaIndex);

        // the next append repairs the head's entry first
        JsonNode repaired = bundleAccessLog(own, r, "b2");
        assertThat(repaired.get("read_via").asText()).isEqualTo("index");
        assertThat(seqs(repaired)).isEqualTo(expectedAccesses(own, r)).hasSize(all.size() + 2);

        // no index at all: a full read, said so; the next append rebuilds it from the entries
        deleteTree(indexDir);
        AccessLogPages.Page missing =
                pages.read(null, null, 0, 1000, r.getTenantId(), r.getEventId(), e -> true);
        assertThat(missing.source()).startsWith("scan").contains("does not exist");
        assertThat(missing.entries())
                .extracting(AccessLogEntry::getLogSeq)
                .isEqualTo(seqs(repaired));
        JsonNode rebuilt = bundleAccessLog(own, r, "b3");
        assertThat(rebuilt.get("read_via").asText()).isEqualTo("index");
        assertThat(seqs(rebuilt)).isEqualTo(expectedAccesses(own, r)).hasSize(all.size() + 3);
    }

    // ---- paths, ids, logs -------------------------------------------------------------------

    @Test
    void verifyBundleRefusesIdsIngestWouldNotAcceptBeforeTheyNameAPath() throws Exception {
        LakeLayout own = copyLake("verify-ids");
        DecisionRecord r = all.get(9);
        Path folder = dir.resolve("verify-ids-bundle");
        new EvidenceBundle(new AuditQueries(own, Clock.systemUTC()), Clock.systemUTC())
                .create(
                        Caller.cli("o", AuditRole.COMPLIANCE_OFFICER),
                        PURPOSE,
                        r.getTenantId(),
                        r.getEventId(),
                        folder,
                        false);
        assertThat(BundleVerifier.verify(folder, own).ok()).isTrue();

        // A planted "heads" folder outside chain/heads/, and a bundle whose tenant walks to it.
        String evilTenant = "x/../../../planted";
        Path planted = Path.of(URI.create(own.root())).resolve("planted");
        Files.createDirectories(planted);
        JsonNode proof = JSON.readTree(folder.resolve("chain-proof.json").toFile());
        ChainHead head = new ChainHead();
        head.setTenantId(evilTenant);
        head.setChainShard(proof.get("head").get("chain_shard").asInt());
        head.setChainSeq(proof.get("head").get("chain_seq").asLong());
        head.setHash(proof.get("head").get("hash").asText());
        head.setEventId(proof.get("head").get("event_id").asText());
        head.setPublishedAt(Instant.now());
        LakeFiles.writeParquet(
                new org.apache.flink.core.fs.Path(planted.resolve("heads.parquet").toUri()),
                List.of(head));
        replaceInFile(folder.resolve("record.json"), r.getTenantId(), evilTenant);
        replaceInFile(folder.resolve("chain-proof.json"), r.getTenantId(), evilTenant);

        BundleVerifier.Report report = BundleVerifier.verify(folder, own);

        assertThat(report.ok()).isFalse();
        assertThat(report.checks())
                .anySatisfy(
                        c -> {
                            assertThat(c.name()).isEqualTo("record ids");
                            assertThat(c.ok()).isFalse();
                        })
                .noneSatisfy(c -> assertThat(c.detail()).contains("published in"));
    }

    @Test
    void bundleRequestsAreRefusedBeforeAnyFileAccessAndErrorsNameNoServerPath() throws Exception {
        LakeLayout own = copyLake("bundle-refusals");
        DecisionRecord r = all.get(10);
        try (AuditApi api = api(own)) {
            api.start();
            HttpResponse<String> operator =
                    get(
                            api,
                            "/v1/bundle?tenant="
                                    + r.getTenantId()
                                    + "&event_id="
                                    + r.getEventId()
                                    + "&purpose=x",
                            "operator-token");
            HttpResponse<String> traversal =
                    get(
                            api,
                            "/v1/bundle?tenant="
                                    + enc("../../../tmp")
                                    + "&event_id="
                                    + r.getEventId()
                                    + "&purpose=x",
                            "officer-token");
            HttpResponse<String> badEvent =
                    get(
                            api,
                            "/v1/bundle?tenant="
                                    + r.getTenantId()
                                    + "&event_id="
                                    + enc("evt\r\nforged")
                                    + "&purpose=x",
                            "officer-token");
            assertThat(operator.statusCode()).isEqualTo(403);
            assertThat(traversal.statusCode()).isEqualTo(400);
            assertThat(badEvent.statusCode()).isEqualTo(400);
            for (HttpResponse<String> h : List.of(operator, traversal, badEvent)) {
                assertThat(h.body())
                        .doesNotContain(System.getProperty("java.io.tmpdir"))
                        .doesNotContain(dir.toString())
                        .doesNotContain("file:");
            }
        }
        // a refused caller makes no access-log entry and no folder
        assertThat(new AccessLogPages(own).read(null, null, 0, 10, null, null, e -> true).entries())
                .isEmpty();

        // the CLI's own bundle folder, already full: the message names the folder, not where
        Path full = dir.resolve("full-folder");
        Files.createDirectories(full);
        Files.writeString(full.resolve("x"), "x");
        String message = null;
        try {
            new EvidenceBundle(new AuditQueries(own, Clock.systemUTC()), Clock.systemUTC())
                    .create(
                            Caller.cli("o", AuditRole.COMPLIANCE_OFFICER),
                            PURPOSE,
                            r.getTenantId(),
                            r.getEventId(),
                            full,
                            false);
        } catch (IllegalArgumentException e) {
            message = e.getMessage();
        }
        assertThat(message).contains("full-folder").doesNotContain(dir.toString());
        assertThat(AuditApi.withoutPaths("cannot read file:/srv/lake/audit and /tmp/x/y here"))
                .isEqualTo("cannot read <path> and <path> here");
    }

    @Test
    void logLinesEscapeControlCharactersFromTheRequest() throws Exception {
        Captured captured = Captured.attach();
        try (AuditApi api = api(lake)) {
            int port = api.start();
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream()
                        .write(
                                ("GET /v1/x%0d%0a12:00:00,000%20INFO%20%20forged%20line%0a HTTP/1.1\r\n"
                                                + "Host: x\r\nConnection: close\r\n\r\n")
                                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                        .startsWith("HTTP/1.1 4");
            }
            // the server closes the connection once the response is written, and logs after
            // that: wait for the line (a bound for a hung server, not a timing assertion)
            for (int i = 0;
                    i < 600 && captured.lines.stream().noneMatch(l -> l.contains("forged line"));
                    i++) {
                Thread.sleep(50);
            }
        } finally {
            captured.detach();
        }
        List<String> lines =
                captured.lines.stream().filter(l -> l.contains("forged line")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .doesNotContain("\r")
                .doesNotContain("\n")
                .contains("/v1/x\\u000d\\u000a12:00:00,000 INFO  forged line\\u000a");
    }

    // ---- event-id collisions ----------------------------------------------------------------

    @Test
    void aReStoredEventIdIsReportedAsACollisionAndBothRecordsAreInTheBundle() throws Exception {
        LakeLayout own = copyLake("collision");
        DecisionRecord original = all.get(12);
        // a re-send after the de-duplication window: same id, other content, stored again later
        DecisionRecord resent = DecisionRecord.newBuilder(original).build();
        resent.setDecisionApproved(
                original.getDecisionApproved() == null || !original.getDecisionApproved());
        resent.setDecisionReasoning("re-sent with other content");
        resent.setEventTime(original.getEventTime().plus(Duration.ofDays(1)));
        resent.setIngestTime(original.getIngestTime().plus(Duration.ofDays(9)));
        LakeFiles.writeParquet(
                new org.apache.flink.core.fs.Path(
                        own.auditDecisions(),
                        "tenant_id="
                                + resent.getTenantId()
                                + "/event_date="
                                + DecisionScan.utcDate(resent.getEventTime())
                                + "/part-resent.parquet"),
                List.of(resent));
        try (AuditApi api = api(own)) {
            api.start();
            String params =
                    "?tenant="
                            + original.getTenantId()
                            + "&event_id="
                            + original.getEventId()
                            + "&purpose="
                            + enc(PURPOSE);
            HttpResponse<String> event = get(api, "/v1/event" + params, "officer-token");
            HttpResponse<byte[]> bundle =
                    http.send(
                            request(api, "/v1/bundle" + params, "officer-token"),
                            HttpResponse.BodyHandlers.ofByteArray());

            JsonNode e = JSON.readTree(event.body());
            assertThat(event.statusCode()).isEqualTo(200);
            assertThat(e.get("count").asInt()).isEqualTo(2);
            assertThat(e.get("collision").asBoolean()).isTrue();
            assertThat(e.get("records_for_event_id").asInt()).isEqualTo(2);
            List<String> reasons = new ArrayList<>();
            e.get("records").forEach(r -> reasons.add(r.get("decision_reasoning").asText()));
            assertThat(reasons)
                    .containsExactly(original.getDecisionReasoning(), "re-sent with other content");

            assertThat(bundle.statusCode()).isEqualTo(200);
            assertThat(bundle.headers().firstValue("X-Records-For-Event-Id")).hasValue("2");
            Path zip = dir.resolve("collision.zip");
            Files.write(zip, bundle.body());
            Map<String, String> files = unzip(zip);
            JsonNode collision = JSON.readTree(files.get(EvidenceBundle.COLLISION_FILE));
            assertThat(collision.get("records_for_event_id").asInt()).isEqualTo(2);
            assertThat(collision.get("records")).hasSize(2);
            assertThat(
                            JSON.readTree(files.get("manifest.json"))
                                    .get("records_for_event_id")
                                    .asInt())
                    .isEqualTo(2);
            assertThat(files.get("evidence.html"))
                    .contains("NOT VERIFIED")
                    .contains("2 stored records share this event id");

            BundleVerifier.Report report = BundleVerifier.verify(zip, own);
            assertThat(report.ok()).isFalse();
            assertThat(report.checks())
                    .anySatisfy(
                            c -> {
                                assertThat(c.name()).isEqualTo("one record for this event id");
                                assertThat(c.ok()).isFalse();
                            })
                    // the first stored record itself still proves out: only the collision fails
                    .filteredOn(c -> !c.name().equals("one record for this event id"))
                    .allSatisfy(c -> assertThat(c.ok()).as(c.name()).isTrue());
        }
    }

    // ---- TLS ---------------------------------------------------------------------------------

    @Test
    void refusesPlainHttpBeyondLoopbackWithExitCode2() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                AuditApi.Options.COMMAND.run(
                        new String[] {
                            "--lake",
                            lakeDir.toString(),
                            "--tokens",
                            tokens.toString(),
                            "--bind",
                            "0.0.0.0"
                        },
                        new PrintStream(new ByteArrayOutputStream()),
                        new PrintStream(err),
                        o -> 0);

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--bind 0.0.0.0 is not a loopback address")
                .contains("--tls-keystore");
        AuditApi.Options loopback =
                AuditApi.Options.parse(
                        new String[] {"--lake", lakeDir.toString(), "--tokens", tokens.toString()});
        assertThat(loopback.tls()).isFalse();
    }

    @Test
    void servesHttpsBeyondLoopbackWithAKeystore() throws Exception {
        Path keystore = dir.resolve("server.p12");
        Path passwordFile = dir.resolve("keystore-password");
        Files.writeString(passwordFile, "changeit-123\n");
        Process keytool =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "keytool")
                                        .toString(),
                                "-genkeypair",
                                "-alias",
                                "audit",
                                "-keyalg",
                                "EC",
                                "-groupname",
                                "secp256r1",
                                "-dname",
                                "CN=localhost",
                                "-ext",
                                "SAN=ip:127.0.0.1,dns:localhost",
                                "-validity",
                                "2",
                                "-storetype",
                                "PKCS12",
                                "-keystore",
                                keystore.toString(),
                                "-storepass",
                                "changeit-123")
                        .redirectErrorStream(true)
                        .start();
        String keytoolOut = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor()).as(keytoolOut).isZero();

        AuditApi.Options options =
                AuditApi.Options.parse(
                        new String[] {
                            "--lake", lakeDir.toString(),
                            "--tokens", tokens.toString(),
                            "--bind", "0.0.0.0",
                            "--port", "0",
                            "--tls-keystore", keystore.toString(),
                            "--tls-keystore-password-file", passwordFile.toString()
                        });
        assertThat(options.tls()).isTrue();
        KeyStore trust = KeyStore.getInstance(keystore.toFile(), "changeit-123".toCharArray());
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(ssl).build();
        try (AuditApi api = new AuditApi(options, Clock.systemUTC())) {
            int port = api.start();
            HttpResponse<String> health =
                    https.send(
                            HttpRequest.newBuilder(
                                            URI.create("https://127.0.0.1:" + port + "/health"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("ok");
            // plain HTTP on the same port gets no HTTP answer
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(30_000);
                s.getOutputStream()
                        .write(
                                "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                                        .getBytes(StandardCharsets.US_ASCII));
                byte[] answer = readSome(s);
                assertThat(new String(answer, StandardCharsets.ISO_8859_1))
                        .doesNotContain("\"ok\"");
            }
        }
    }

    // ---- OpenAPI ------------------------------------------------------------------------------

    @Test
    void theOpenApiDocumentDescribesExactlyWhatTheServerAccepts() throws Exception {
        LakeLayout own = copyLake("openapi");
        DecisionRecord r = all.get(15);
        try (AuditApi api = api(own)) {
            api.start();
            HttpResponse<String> served = get(api, "/v1/openapi.json", null);
            assertThat(served.statusCode()).isEqualTo(200);
            JsonNode doc = JSON.readTree(served.body());
            try (InputStream in =
                    Files.newInputStream(Path.of("src/main/resources/openapi.json"))) {
                assertThat(doc).isEqualTo(JSON.readTree(in));
            }
            assertThat(doc.get("openapi").asText()).startsWith("3.");

            Set<String> documented = new HashSet<>();
            doc.get("paths").fieldNames().forEachRemaining(documented::add);
            Set<String> served2 = new HashSet<>();
            AuditApi.ROUTES.forEach(route -> served2.add(route.path()));
            assertThat(documented).isEqualTo(served2);

            Map<String, String> valid = new LinkedHashMap<>();
            String t = r.getTenantId();
            String p = "&purpose=" + enc(PURPOSE);
            valid.put("/health", "");
            valid.put("/v1/openapi.json", "");
            valid.put(
                    "/v1/decision-at",
                    "?tenant=" + t + "&user=" + enc(r.getUserId()) + "&at=" + r.getEventTime() + p);
            valid.put(
                    "/v1/history", "?tenant=" + t + "&user=" + enc(r.getUserId()) + "&limit=2" + p);
            valid.put("/v1/event", "?tenant=" + t + "&event_id=" + r.getEventId() + p);
            valid.put("/v1/access-log", "?limit=2" + p);
            valid.put("/v1/bundle", "?tenant=" + t + "&event_id=" + r.getEventId() + p);
            valid.put("/v1/subject-export", "?tenant=" + t + "&user=" + enc(r.getUserId()) + p);

            for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields();
                    it.hasNext(); ) {
                Map.Entry<String, JsonNode> path = it.next();
                JsonNode get = path.getValue().get("get");
                assertThat(get).as(path.getKey()).isNotNull();
                boolean open = get.has("security") && get.get("security").isEmpty();
                // every documented parameter is accepted (never "unknown parameter")
                Set<String> params = new HashSet<>();
                for (JsonNode param : get.get("parameters")) {
                    params.add(param.get("name").asText());
                    HttpResponse<String> withIt =
                            get(
                                    api,
                                    path.getKey() + "?" + param.get("name").asText() + "=x",
                                    "officer-token");
                    assertThat(withIt.statusCode()).as(path.getKey()).isNotIn(404, 405);
                    assertThat(withIt.body()).as(path.getKey()).doesNotContain("unknown parameter");
                    assertThat(documentedStatus(get, withIt.statusCode()))
                            .as(path.getKey() + " " + withIt.statusCode())
                            .isTrue();
                }
                AuditApi.Route route =
                        AuditApi.ROUTES.stream()
                                .filter(x -> x.path().equals(path.getKey()))
                                .findFirst()
                                .orElseThrow();
                assertThat(params).as(path.getKey()).isEqualTo(route.parameters());
                assertThat(open).as(path.getKey()).isEqualTo(!route.authenticated());
                // an undocumented parameter is refused
                HttpResponse<String> unknown =
                        get(api, path.getKey() + "?surprise=1", "officer-token");
                assertThat(unknown.statusCode()).isEqualTo(400);
                assertThat(unknown.body()).contains("unknown parameter surprise");
                // a valid request: its status and content type are the documented ones
                HttpResponse<byte[]> ok =
                        http.send(
                                request(
                                        api,
                                        path.getKey() + valid.get(path.getKey()),
                                        "officer-token"),
                                HttpResponse.BodyHandlers.ofByteArray());
                assertThat(ok.statusCode()).as(path.getKey()).isEqualTo(200);
                assertThat(ok.headers().firstValue("Content-Type").orElse(""))
                        .as(path.getKey())
                        .startsWith(
                                get.get("responses").get("200").get("content").fieldNames().next());
                if (!open) {
                    HttpResponse<String> noToken =
                            get(api, path.getKey() + valid.get(path.getKey()), null);
                    assertThat(noToken.statusCode()).isEqualTo(401);
                    assertThat(documentedStatus(get, 401)).isTrue();
                    assertThat(documentedStatus(get, 429)).isTrue();
                    assertThat(noToken.headers().firstValue("Content-Type").orElse(""))
                            .startsWith("application/json");
                }
            }
            // no route beyond the document
            assertThat(get(api, "/v1/decisions", "officer-token").statusCode()).isEqualTo(404);
        }
    }

    private static boolean documentedStatus(JsonNode get, int status) {
        return get.get("responses").has(Integer.toString(status));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private AuditApi api(LakeLayout on, String... extra) throws IOException {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--lake",
                                on.root(),
                                "--tokens",
                                tokens.toString(),
                                "--port",
                                "0",
                                "--request-timeout",
                                "PT2S",
                                "--rate-limit",
                                "100000",
                                "--rate-burst",
                                "100000"));
        for (int i = 0; i < extra.length; i += 2) {
            int at = args.indexOf(extra[i]);
            if (at >= 0) {
                args.set(at + 1, extra[i + 1]);
            } else {
                args.add(extra[i]);
                args.add(extra[i + 1]);
            }
        }
        return new AuditApi(AuditApi.Options.parse(args.toArray(String[]::new)), Clock.systemUTC());
    }

    private HttpRequest request(AuditApi api, String pathAndQuery, String token) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + pathAndQuery));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.build();
    }

    private HttpResponse<String> get(AuditApi api, String pathAndQuery, String token)
            throws IOException, InterruptedException {
        return http.send(request(api, pathAndQuery, token), HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static LakeLayout copyLake(String name) throws IOException {
        Path to = dir.resolve(name);
        try (Stream<Path> s = Files.walk(lakeDir)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(lakeDir.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return LakeLayout.at(to.toUri().toString());
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

    private static void replaceInFile(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertThat(text).contains("\"" + from + "\"");
        Files.writeString(file, text.replace("\"" + from + "\"", "\"" + to + "\""));
    }

    private static AccessLogEntry entry(LakeLayout on, String accessId) throws IOException {
        List<AccessLogEntry> found =
                new AccessLogPages(on)
                        .read(
                                null,
                                null,
                                0,
                                Integer.MAX_VALUE - 1,
                                null,
                                null,
                                e -> e.getAccessId().equals(accessId))
                        .entries();
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    /** The seqs of every entry about r, by a full read of the log. */
    private static List<Long> expectedAccesses(LakeLayout on, DecisionRecord r) throws IOException {
        return new io.decisionledger.access.AccessLog(on, Clock.systemUTC())
                        .entries(
                                null,
                                null,
                                e ->
                                        r.getTenantId().equals(e.getTenantId())
                                                && e.getRecordIds().contains(r.getEventId()))
                        .stream()
                        .map(AccessLogEntry::getLogSeq)
                        .toList();
    }

    private static JsonNode bundleAccessLog(LakeLayout on, DecisionRecord r, String name)
            throws IOException {
        Path folder = dir.resolve("bundle-" + name);
        new EvidenceBundle(new AuditQueries(on, Clock.systemUTC()), Clock.systemUTC())
                .create(
                        Caller.cli("o", AuditRole.COMPLIANCE_OFFICER),
                        PURPOSE,
                        r.getTenantId(),
                        r.getEventId(),
                        folder,
                        false);
        return JSON.readTree(folder.resolve("access-log.json").toFile());
    }

    private static List<Long> seqs(JsonNode accessLog) {
        List<Long> out = new ArrayList<>();
        accessLog.get("entries").forEach(e -> out.add(e.get("log_seq").asLong()));
        return out;
    }

    private static Map<String, String> unzip(Path zip) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry e;
            while ((e = z.getNextEntry()) != null) {
                files.put(
                        e.getName().substring(e.getName().indexOf('/') + 1),
                        new String(z.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return files;
    }

    private static byte[] readSome(Socket s) throws IOException {
        byte[] buf = new byte[4096];
        try {
            int n = s.getInputStream().read(buf);
            return n <= 0 ? new byte[0] : java.util.Arrays.copyOf(buf, n);
        } catch (SocketException e) {
            return new byte[0];
        }
    }

    /** Captures the AuditApi logger's messages at INFO. */
    private static final class Captured extends AbstractAppender {
        final List<String> lines = new CopyOnWriteArrayList<>();
        private LoggerConfig config;

        private Captured() {
            super("captured-audit-api", null, null, true, Property.EMPTY_ARRAY);
        }

        static Captured attach() {
            Captured c = new Captured();
            c.start();
            LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
            Configuration cfg = ctx.getConfiguration();
            cfg.addAppender(c);
            c.config = new LoggerConfig(AuditApi.class.getName(), Level.INFO, false);
            c.config.addAppender(c, Level.INFO, null);
            cfg.addLogger(AuditApi.class.getName(), c.config);
            ctx.updateLoggers();
            return c;
        }

        void detach() {
            LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
            config.removeAppender(getName());
            ctx.getConfiguration().removeLogger(AuditApi.class.getName());
            ctx.updateLoggers();
        }

        @Override
        public void append(LogEvent event) {
            lines.add(event.getMessage().getFormattedMessage());
        }
    }
}
