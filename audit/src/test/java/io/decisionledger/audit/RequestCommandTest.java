package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rights.ErasureReceipt;
import io.decisionledger.rights.RequestEntry;
import io.decisionledger.rights.RequestLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request lifecycle on the audit command line: log, record the erasure job's receipt (its
 * SHA-256 chains it with the request), show, verify (exit 1 once an entry is altered), and the exit
 * codes of a mismatched receipt (2) and of a caller that is not a compliance officer of the tenant
 * (3).
 */
class RequestCommandTest {

    @TempDir Path dir;

    private static final Clock CLOCK =
            Clock.fixed(Instant.parse("2026-12-05T09:00:00Z"), ZoneOffset.UTC);
    private static final String OFFICER = "a.officer:compliance_officer:bank_456";

    private record Run(int code, String out) {}

    private Run audit(String identity, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--lake", lake().root(), "--insecure-self-asserted-identity", identity));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code =
                AuditCommand.run(
                        all.toArray(String[]::new),
                        Map.of(),
                        CLOCK,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(out, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8));
    }

    private LakeLayout lake() {
        return LakeLayout.at(dir.resolve("lake").toUri().toString());
    }

    private Run logRequest() throws Exception {
        return audit(
                OFFICER,
                "request",
                "log",
                "--tenant",
                "bank_456",
                "--request-id",
                "DSR-9",
                "--kind",
                "erasure",
                "--user",
                "user-0042",
                "--received",
                "2026-12-01",
                "--requester-ref",
                "letter 9");
    }

    private Path receipt(String requestId) throws Exception {
        return receipt(requestId, io.decisionledger.rights.ErasurePlan.Scope.ERASE);
    }

    private Path receipt(String requestId, io.decisionledger.rights.ErasurePlan.Scope scope)
            throws Exception {
        ErasureReceipt r =
                new ErasureReceipt(
                        requestId,
                        1,
                        "bank_456",
                        "a".repeat(64),
                        List.of("evt-1", "evt-2"),
                        2,
                        List.of("user_id", "prompt"),
                        List.of(
                                new ErasureReceipt.RewrittenFile(
                                        "audit/decisions",
                                        "tenant_id=bank_456/event_date=2023-05-02/part-0.parquet",
                                        10,
                                        2,
                                        "b".repeat(64),
                                        "tenant_id=bank_456/event_date=2023-05-02/erased-0.parquet",
                                        "c".repeat(64))),
                        "2026-12-05T09:10:00Z",
                        "2026-12-05T09:11:00Z",
                        "e.operator",
                        List.of(),
                        scope);
        Path p = dir.resolve("receipt-" + requestId + "-" + scope + ".json");
        Files.write(p, r.toJson());
        return p;
    }

    @Test
    void aRequestIsLoggedExecutedWithItsReceiptShownAndVerified() throws Exception {
        Run logged = logRequest();
        assertThat(logged.code()).as(logged.out()).isZero();
        assertThat(logged.out()).contains("request DSR-9 (ERASURE) logged for tenant bank_456");

        Path receipt = receipt("DSR-9");
        Run executed =
                audit(
                        OFFICER,
                        "request",
                        "record-execution",
                        "--tenant",
                        "bank_456",
                        "--request-id",
                        "DSR-9",
                        "--receipt",
                        receipt.toString());
        assertThat(executed.code()).as(executed.out()).isZero();
        String sha =
                HexFormat.of()
                        .formatHex(
                                MessageDigest.getInstance("SHA-256")
                                        .digest(Files.readAllBytes(receipt)));
        List<RequestEntry> history =
                new RequestLog(lake(), CLOCK)
                        .history(
                                Caller.cli("x", AuditRole.COMPLIANCE_OFFICER), "bank_456", "DSR-9");
        assertThat(history.get(1).state()).isEqualTo(RequestEntry.State.EXECUTED);
        assertThat(history.get(1).receiptSha256()).isEqualTo(sha);
        assertThat(history.get(1).reason())
                .isEqualTo("plan 1: 2 record(s) erased, 1 file(s) rewritten");

        // a RESTRICT plan's receipt: its records left ops/, they were not erased
        Run restricted =
                audit(
                        OFFICER,
                        "request",
                        "record-execution",
                        "--tenant",
                        "bank_456",
                        "--request-id",
                        "DSR-9",
                        "--receipt",
                        receipt("DSR-9", io.decisionledger.rights.ErasurePlan.Scope.RESTRICT)
                                .toString());
        assertThat(restricted.code()).as(restricted.out()).isZero();
        List<RequestEntry> after =
                new RequestLog(lake(), CLOCK)
                        .history(
                                Caller.cli("x", AuditRole.COMPLIANCE_OFFICER), "bank_456", "DSR-9");
        assertThat(after.get(2).reason())
                .isEqualTo(
                        "plan 1: 2 record(s) removed from ops/ (restricted; audit keeps them), 1"
                                + " file(s) rewritten");

        Run shown = audit(OFFICER, "request", "show", "--tenant", "bank_456");
        assertThat(shown.code()).isZero();
        assertThat(shown.out())
                .contains(
                        "#1 2026-12-05T09:00:00Z DSR-9 ERASURE user:user-0042 received 2026-12-01:"
                                + " RECEIVED")
                .contains(
                        "#2 2026-12-05T09:00:00Z DSR-9 ERASURE user:user-0042 received 2026-12-01:"
                                + " EXECUTED");

        assertThat(audit(OFFICER, "request", "verify", "--tenant", "bank_456").code()).isZero();
        Path first =
                dir.resolve(
                        "lake/rights/requests/tenant_id=bank_456/entry-00000000000000000001.json");
        Files.writeString(first, Files.readString(first).replace("letter 9", "letter 8"));
        Run broken = audit(OFFICER, "request", "verify", "--tenant", "bank_456");
        assertThat(broken.code()).isEqualTo(1);
        assertThat(broken.out())
                .contains("NOT INTACT")
                .contains("seq 1 (request DSR-9): hash does not recompute (entry altered)")
                .doesNotContain("user-0042");
    }

    @Test
    void aReceiptOfAnotherRequestIsRefusedAndAnOperatorIsRefusedWith3() throws Exception {
        assertThat(logRequest().code()).isZero();

        Run wrong =
                audit(
                        OFFICER,
                        "request",
                        "record-execution",
                        "--tenant",
                        "bank_456",
                        "--request-id",
                        "DSR-9",
                        "--receipt",
                        receipt("DSR-1").toString());
        assertThat(wrong.code()).isEqualTo(2);
        assertThat(wrong.out()).contains("--receipt is the receipt of request DSR-1");

        Run operator =
                audit("o.perator:operator:bank_456", "request", "show", "--tenant", "bank_456");
        assertThat(operator.code()).isEqualTo(3);
        assertThat(operator.out())
                .contains("only a compliance officer")
                .doesNotContain("user-0042");
        Run otherTenant =
                audit(
                        "b.officer:compliance_officer:bank_999",
                        "request",
                        "show",
                        "--tenant",
                        "bank_456");
        assertThat(otherTenant.code()).isEqualTo(3);
        assertThat(otherTenant.out()).contains("not granted tenant bank_456");
    }
}
