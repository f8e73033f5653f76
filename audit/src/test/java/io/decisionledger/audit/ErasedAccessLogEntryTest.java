package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.access.AccessLog;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.privacy.AccessLogErasure;
import io.decisionledger.schema.AccessLogEntry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An access-log entry whose purpose and query were erased (GDPR Art. 17) is listed by {@code audit
 * access-log} as erased under its request, the chain still verifies, and no reader shows the
 * subject it named.
 */
class ErasedAccessLogEntryTest {

    private static final String SUBJECT = "user_ingrid_4711";
    private static final String[] DEV = {
        "--insecure-self-asserted-identity", "dev.me:compliance_officer:*"
    };

    @Test
    void listsAnErasedEntryAsErasedUnderItsRequestAndTheChainVerifies(@TempDir Path dir)
            throws Exception {
        // given a read that named the subject, then erased as the erasure job does
        Path lake = dir.resolve("lake");
        Run read =
                cli(
                        "decision-at",
                        "--lake",
                        lake.toString(),
                        "--tenant",
                        "bank_456",
                        "--user",
                        SUBJECT,
                        "--at",
                        "2026-03-15",
                        "--purpose",
                        "Complaint from " + SUBJECT);
        assertThat(read.code()).as(read.err()).isZero();
        LakeLayout layout = LakeLayout.at(lake.toUri().toString());
        FileStatus file = LakeFiles.parquetFiles(layout.accessLog()).get(0);
        List<AccessLogEntry> rows = new ArrayList<>();
        LakeFiles.forEachRecord(file, AccessLogEntry.class, rows::add);
        assertThat(rows.get(0).getQueryJson()).contains(SUBJECT);
        AccessLogErasure.erase(rows.get(0), "DSR-1", Instant.parse("2026-04-01T12:00:00Z"));
        file.getPath().getFileSystem().delete(file.getPath(), false);
        LakeFiles.writeParquet(file.getPath(), rows);

        // when the access log is listed and verified
        Run list =
                cli(
                        "access-log",
                        "--lake",
                        lake.toString(),
                        "--verify",
                        "--purpose",
                        "quarterly review");

        // then the entry shows as erased under its request, and the chain verifies
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out())
                .contains("[erased under request DSR-1 on 2026-04-01]")
                .contains("Chain: INTACT, 1 entries")
                .contains("1 entry with erased fields under request DSR-1")
                .doesNotContain(SUBJECT);
        AccessLog.Verification v = new AccessLog(layout, Clock.systemUTC()).verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.erasedByRequest()).isEqualTo(Map.of("DSR-1", 1L));
    }

    private record Run(int code, String out, String err) {}

    private static Run cli(String... args) throws Exception {
        String[] all = new String[args.length + DEV.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(DEV, 0, all, args.length, DEV.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                AuditCommand.run(
                        all,
                        Map.of(),
                        Clock.systemUTC(),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(
                code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
