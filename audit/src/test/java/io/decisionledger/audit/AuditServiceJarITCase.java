package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.access.CliIdentity;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.SmallFileLake;
import io.decisionledger.testing.TestIdentityProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit service's runnable jar as a compliance officer runs it, {@code java -jar
 * decision-ledger-audit-*-service.jar …} in a fresh JVM with nothing else on the classpath: it
 * answers from a lake, logs the read, refuses a bad command with exit 2, and carries none of
 * Flink's runtime (it runs no job).
 */
class AuditServiceJarITCase {

    @TempDir static Path dir;

    private static LakeLayout lake;
    private static DecisionRecord record;
    private static Path tokenFile;
    private static Path authConfig;

    @BeforeAll
    static void writeALake() throws IOException {
        lake = LakeLayout.at(dir.resolve("lake").toUri().toString());
        SmallFileLake.write(lake, 60, List.of(LocalDate.now().minusDays(1)), 20, 0, 3);
        List<DecisionRecord> all = new ArrayList<>();
        for (org.apache.flink.core.fs.Path p : LakeFiles.auditPartitions(lake, null, null, null)) {
            for (FileStatus f : LakeFiles.parquetFiles(p)) {
                LakeFiles.forEachRecord(f, DecisionRecord.class, all::add);
            }
        }
        record = all.get(17);
        // the officer proves who they are with a JWT from the (test) identity provider: the jar
        // must carry the JWT verifier
        TestIdentityProvider idp = new TestIdentityProvider();
        authConfig = idp.writeAuthConfig(dir.resolve("etc"), null);
        tokenFile = dir.resolve("officer.jwt");
        Files.writeString(
                tokenFile,
                idp.sign(
                        TestIdentityProvider.claims(
                                        "it.officer", "compliance_officer", record.getTenantId())
                                .build()));
        Files.setPosixFilePermissions(
                tokenFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void answersAnEventQueryFromTheLakeAndLogsTheRead() throws Exception {
        Run run =
                run(
                        "event",
                        "--lake",
                        lake.root(),
                        "--tenant",
                        record.getTenantId(),
                        "--event-id",
                        record.getEventId(),
                        "--purpose",
                        "jar smoke test");

        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output())
                .contains(record.getHash())
                .contains("Access logged: #1")
                .contains("by it.officer");
        assertThat(LakeFiles.parquetFiles(lake.accessLog())).isNotEmpty();
    }

    @Test
    void refusesAnUnknownCommandWithExitTwo() throws Exception {
        Run run = run("no-such-command");

        assertThat(run.exit()).as(run.output()).isEqualTo(2);
    }

    @Test
    void holdsTheServiceAndNoFlinkRuntime() throws IOException {
        try (JarFile jar = new JarFile(jarPath().toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo(AuditMain.class.getName());
            assertThat(jar.getEntry("io/decisionledger/audit/AuditApi.class")).isNotNull();
            assertThat(jar.getEntry("org/apache/flink/core/fs/FileSystem.class")).isNotNull();
            assertThat(jar.getEntry("org/apache/flink/runtime/jobgraph/JobGraph.class")).isNull();
            assertThat(jar.getEntry("io/decisionledger/cli/Main.class")).isNull();
            assertThat(jar.getEntry("io/decisionledger/testkit/LocalProcess.class")).isNull();
        }
    }

    private record Run(int exit, String output) {}

    private static Run run(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-jar");
        command.add(jarPath().toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put(CliIdentity.TOKEN_FILE_ENV, tokenFile.toString());
        pb.environment().put(CliIdentity.AUTH_CONFIG_ENV, authConfig.toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static Path jarPath() {
        Path jar = Path.of(System.getProperty("decisionledger.audit.jar"));
        assertThat(Files.isRegularFile(jar)).as("the service jar %s is built", jar).isTrue();
        return jar;
    }
}
