package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.testing.SmallFileLake;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit timestamp-heads} and {@code audit verify-timestamps} against a local RFC 3161 TSA
 * started by the test ({@link LocalTsa}): every heads file of a lake gets a token that verifies
 * against the TSA's CA, with the TSA's genTime; a heads file edited or deleted after its
 * time-stamp, or a token from a TSA the auditor does not trust, is BAD_TIMESTAMP (exit 1); a TSA
 * that is down or answers another request writes nothing; a rerun asks for nothing new.
 */
class HeadTimestampsTest {

    private static final Instant GEN_TIME = Instant.parse("2026-03-15T10:30:00Z");

    @TempDir Path dir;

    private static LocalTsa tsa;
    private static LocalTsa stranger;

    @BeforeAll
    static void startTsas() throws Exception {
        tsa = new LocalTsa("Trusted", GEN_TIME);
        stranger = new LocalTsa("Stranger", GEN_TIME);
    }

    @AfterAll
    static void stopTsas() {
        tsa.close();
        stranger.close();
    }

    @Test
    void timestampsEveryHeadsFileAndVerifiesWithTheGenTime() throws Exception {
        LakeLayout lake = lake("ok");
        List<String> heads = headsFiles(lake);
        assertThat(heads).hasSizeGreaterThanOrEqualTo(2);
        int before = tsa.requests.get();

        Run stamp =
                run(
                        "timestamp-heads",
                        "--lake",
                        lake.root(),
                        "--tsa-url",
                        tsa.url(),
                        "--allow-insecure-tsa");

        assertThat(stamp.code).as(stamp.err).isZero();
        assertThat(tsa.requests.get() - before).isEqualTo(heads.size());
        assertThat(stamp.out).contains(heads.size() + " heads file(s) time-stamped, 0 already");
        assertThat(tokens(lake))
                .containsExactlyElementsOf(heads.stream().map(h -> h + ".tsr").toList());

        Run verify = verify(lake, tsa);

        assertThat(verify.code).as(verify.out + verify.err).isZero();
        List<String> lines = verify.lines();
        assertThat(lines).hasSize(heads.size() + 1);
        for (int i = 0; i < heads.size(); i++) {
            assertThat(lines.get(i))
                    .startsWith("TIMESTAMP_OK " + heads.get(i) + "  genTime=2026-03-15T10:30:00Z")
                    .contains("tsa=CN=Trusted TSA,O=decision-ledger tests");
        }
        assertThat(lines.get(heads.size()))
                .isEqualTo(heads.size() + " TIMESTAMP_OK, 0 BAD_TIMESTAMP, 0 NO_TIMESTAMP");
    }

    @Test
    void aRerunIsIdempotentAndOnlyStampsNewHeadsFiles() throws Exception {
        LakeLayout lake = lake("rerun");
        List<String> heads = headsFiles(lake);
        assertThat(
                        run(
                                        "timestamp-heads",
                                        "--lake",
                                        lake.root(),
                                        "--tsa-url",
                                        tsa.url(),
                                        "--allow-insecure-tsa")
                                .code)
                .isZero();
        Path first = tokenFile(lake, heads.get(0));
        byte[] token = Files.readAllBytes(first);
        int before = tsa.requests.get();

        Run again =
                run(
                        "timestamp-heads",
                        "--lake",
                        lake.root(),
                        "--tsa-url",
                        tsa.url(),
                        "--allow-insecure-tsa");

        assertThat(again.code).isZero();
        assertThat(tsa.requests.get()).isEqualTo(before);
        assertThat(again.out)
                .contains(
                        "0 heads file(s) time-stamped, " + heads.size() + " already time-stamped");
        assertThat(Files.readAllBytes(first)).isEqualTo(token);

        // a new heads file (the next checkpoint's) is the only one stamped next time
        Files.delete(tokenFile(lake, heads.get(1)));
        Run third =
                run(
                        "timestamp-heads",
                        "--lake",
                        lake.root(),
                        "--tsa-url",
                        tsa.url(),
                        "--allow-insecure-tsa");
        assertThat(third.code).isZero();
        assertThat(tsa.requests.get()).isEqualTo(before + 1);
        assertThat(third.lines()).first().asString().startsWith("TIMESTAMPED " + heads.get(1));
    }

    @Test
    void aHeadsFileEditedAfterItsTimestampIsBad() throws Exception {
        LakeLayout lake = lake("edited");
        List<String> heads = headsFiles(lake);
        run(
                "timestamp-heads",
                "--lake",
                lake.root(),
                "--tsa-url",
                tsa.url(),
                "--allow-insecure-tsa");
        // a forger rewrites the last head of the first file (a rewritten chain's new hash)
        Path file = headsPath(lake, heads.get(0));
        FileStatus status =
                LakeFiles.parquetFiles(new org.apache.flink.core.fs.Path(file.toUri())).get(0);
        List<ChainHead> rows = new ArrayList<>();
        LakeFiles.forEachRecord(status, ChainHead.class, rows::add);
        rows.get(rows.size() - 1).setHash("f".repeat(64));
        Files.delete(file);
        LakeFiles.writeParquet(new org.apache.flink.core.fs.Path(file.toUri()), rows);

        Run verify = verify(lake, tsa);

        assertThat(verify.code).isEqualTo(1);
        assertThat(verify.lines().get(0))
                .startsWith(
                        "BAD_TIMESTAMP "
                                + heads.get(0)
                                + "  the heads file changed after it was time-stamped (token imprint ");
        assertThat(verify.lines().subList(1, heads.size()))
                .allSatisfy(l -> assertThat(l).startsWith("TIMESTAMP_OK "));
    }

    @Test
    void aDeletedHeadsFileWithATokenIsBadAndAFileWithoutOneIsReported() throws Exception {
        LakeLayout lake = lake("deleted");
        List<String> heads = headsFiles(lake);
        run(
                "timestamp-heads",
                "--lake",
                lake.root(),
                "--tsa-url",
                tsa.url(),
                "--allow-insecure-tsa");
        Files.delete(headsPath(lake, heads.get(0)));
        Files.delete(tokenFile(lake, heads.get(1)));

        Run verify = verify(lake, tsa);

        assertThat(verify.code).isEqualTo(1);
        assertThat(verify.out)
                .contains("NO_TIMESTAMP " + heads.get(1) + "\n")
                .contains(
                        "BAD_TIMESTAMP "
                                + heads.get(0)
                                + "  a token exists for this heads file, but the heads file is missing");
    }

    @Test
    void aTokenFromAnUntrustedTsaIsBad() throws Exception {
        LakeLayout lake = lake("stranger");
        List<String> heads = headsFiles(lake);
        assertThat(
                        run(
                                        "timestamp-heads",
                                        "--lake",
                                        lake.root(),
                                        "--tsa-url",
                                        stranger.url(),
                                        "--allow-insecure-tsa")
                                .code)
                .isZero();

        Run verify = verify(lake, tsa);

        assertThat(verify.code).isEqualTo(1);
        assertThat(verify.lines().subList(0, heads.size()))
                .allSatisfy(
                        l ->
                                assertThat(l)
                                        .startsWith("BAD_TIMESTAMP ")
                                        .endsWith(
                                                "the TSA certificate CN=Stranger TSA,O=decision-ledger"
                                                        + " tests does not chain to a trusted certificate"
                                                        + " (--tsa-trust)"));
        // the same tokens verify for an auditor who trusts that TSA's CA
        assertThat(verify(lake, stranger).code).isZero();
        // or who trusts that TSA's own certificate directly
        Path direct = LocalTsa.writeTrust(dir.resolve("stranger-tsa.pem"), stranger.tsaCert);
        assertThat(
                        run(
                                        "verify-timestamps",
                                        "--lake",
                                        lake.root(),
                                        "--tsa-trust",
                                        direct.toString())
                                .code)
                .isZero();
    }

    @Test
    void aTsaThatIsDownFailsClearlyAndWritesNothing() throws Exception {
        LakeLayout lake = lake("down");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }

        Run stamp =
                run(
                        "timestamp-heads",
                        "--lake",
                        lake.root(),
                        "--tsa-url",
                        "http://127.0.0.1:" + port + "/tsa",
                        "--allow-insecure-tsa",
                        "--tsa-timeout",
                        "PT5S");

        assertThat(stamp.code).isEqualTo(1);
        assertThat(stamp.err)
                .startsWith(
                        "timestamp-heads: the TSA at http://127.0.0.1:"
                                + port
                                + "/tsa did not answer: connection refused")
                .contains("no token written");
        assertThat(Files.exists(dir.resolve("down/chain/timestamps"))).isFalse();
    }

    @Test
    void aTsaThatNeverAnswersTimesOutAndWritesNothing() throws Exception {
        LakeLayout lake = lake("hang");
        try (LocalTsa silent = new LocalTsa("Silent", GEN_TIME)) {
            silent.hang = true;

            Run stamp =
                    run(
                            "timestamp-heads",
                            "--lake",
                            lake.root(),
                            "--tsa-url",
                            silent.url(),
                            "--allow-insecure-tsa",
                            "--tsa-timeout",
                            "PT1S");

            assertThat(stamp.code).isEqualTo(1);
            assertThat(stamp.err)
                    .isEqualTo(
                            "timestamp-heads: the TSA at "
                                    + silent.url()
                                    + " did not answer: timed out; no token written for it\n");
        }
        assertThat(Files.exists(dir.resolve("hang/chain/timestamps"))).isFalse();
    }

    @Test
    void aTsaAnsweringAnotherRequestIsRefusedAndNothingIsWritten() throws Exception {
        LakeLayout lake = lake("replay");
        tsa.answerAnotherNonce = true;
        Run stamp;
        try {
            stamp =
                    run(
                            "timestamp-heads",
                            "--lake",
                            lake.root(),
                            "--tsa-url",
                            tsa.url(),
                            "--allow-insecure-tsa");
        } finally {
            tsa.answerAnotherNonce = false;
        }

        assertThat(stamp.code).isEqualTo(1);
        assertThat(stamp.err)
                .contains(
                        "sent a token that does not answer the request: response contains"
                                + " wrong nonce value; no token written for it");
        assertThat(Files.exists(dir.resolve("replay/chain/timestamps"))).isFalse();
    }

    @Test
    void plainHttpNeedsTheFlagAndALoopbackAddress() throws Exception {
        LakeLayout lake = lake("http");

        Run noFlag = run("timestamp-heads", "--lake", lake.root(), "--tsa-url", tsa.url());
        Run remote =
                run(
                        "timestamp-heads",
                        "--lake",
                        lake.root(),
                        "--tsa-url",
                        "http://tsa.example.com/tsa",
                        "--allow-insecure-tsa");

        assertThat(noFlag.code).isEqualTo(2);
        assertThat(noFlag.err).contains("--tsa-url must use https");
        assertThat(remote.code).isEqualTo(2);
        assertThat(remote.err).contains("plain http only to a loopback address");
        assertThat(Files.exists(dir.resolve("http/chain/timestamps"))).isFalse();
    }

    @Test
    void sinceAndTenantLimitWhatIsStamped() throws Exception {
        LakeLayout lake = lake("filtered");
        List<String> heads = headsFiles(lake);
        String tenant = heads.get(0).substring("tenant_id=".length(), heads.get(0).indexOf('/'));
        long ofTenant =
                heads.stream().filter(h -> h.startsWith("tenant_id=" + tenant + "/")).count();

        Run future =
                run(
                        "timestamp-heads",
                        "--lake",
                        lake.root(),
                        "--tsa-url",
                        tsa.url(),
                        "--allow-insecure-tsa",
                        "--since",
                        LocalDate.now(java.time.ZoneOffset.UTC).plusDays(1).toString());
        Run one =
                run(
                        "timestamp-heads",
                        "--lake",
                        lake.root(),
                        "--tsa-url",
                        tsa.url(),
                        "--allow-insecure-tsa",
                        "--tenant",
                        tenant);

        assertThat(future.out).contains("0 heads file(s) time-stamped, 0 already");
        assertThat(one.out).contains(ofTenant + " heads file(s) time-stamped");
        assertThat(tokens(lake))
                .allSatisfy(t -> assertThat(t).startsWith("tenant_id=" + tenant + "/"));
        assertThat(tokens(lake)).hasSize((int) ofTenant);
    }

    // --- helpers

    private LakeLayout lake(String name) {
        LakeLayout lake = LakeLayout.at(dir.resolve(name).toUri().toString());
        SmallFileLake.write(
                lake, 40, List.of(LocalDate.now(java.time.ZoneOffset.UTC).minusDays(1)), 10, 0, 7);
        return lake;
    }

    private static List<String> headsFiles(LakeLayout lake) throws Exception {
        Path root = Path.of(java.net.URI.create(lake.chainHeads().toUri().toString()));
        return relativeFiles(root, ".parquet");
    }

    private static List<String> tokens(LakeLayout lake) throws Exception {
        Path root = Path.of(java.net.URI.create(lake.chainTimestamps().toUri().toString()));
        return Files.exists(root) ? relativeFiles(root, ".tsr") : List.of();
    }

    private static List<String> relativeFiles(Path root, String suffix) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .map(p -> root.relativize(p).toString())
                    .sorted()
                    .toList();
        }
    }

    private static Path headsPath(LakeLayout lake, String relative) {
        return Path.of(java.net.URI.create(lake.chainHeads().toUri().toString())).resolve(relative);
    }

    private static Path tokenFile(LakeLayout lake, String heads) {
        return Path.of(java.net.URI.create(lake.chainTimestamps().toUri().toString()))
                .resolve(heads + ".tsr");
    }

    private Run verify(LakeLayout lake, LocalTsa trusted) throws Exception {
        Path trust = trusted.writeTrust(Files.createTempFile(dir, "trust", ".pem"));
        return run("verify-timestamps", "--lake", lake.root(), "--tsa-trust", trust.toString());
    }

    private record Run(int code, String out, String err) {
        List<String> lines() {
            return Arrays.asList(out.split("\n"));
        }
    }

    private static Run run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                AuditCommand.run(
                        args,
                        Map.of(),
                        Clock.systemUTC(),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(
                code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
