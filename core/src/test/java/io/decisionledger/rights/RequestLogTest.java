package io.decisionledger.rights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.access.TenantScope;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rights.ErasurePlan.SubjectType;
import io.decisionledger.rights.RequestEntry.Kind;
import io.decisionledger.rights.RequestEntry.State;
import io.decisionledger.rights.RequestLog.Change;
import io.decisionledger.rights.RequestLog.Subject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-subject request log on a local lake: requests and their state changes as chained,
 * never-rewritten entries per tenant, verification that notices tampering, and the tenant grant and
 * role that guard the subject ids.
 */
class RequestLogTest {

    @TempDir Path dir;

    private static final Caller OFFICER = Caller.cli("a.officer", AuditRole.COMPLIANCE_OFFICER);
    private static final Clock CLOCK =
            Clock.fixed(Instant.parse("2026-12-05T09:00:00Z"), ZoneOffset.UTC);

    private RequestLog log() {
        return new RequestLog(LakeLayout.at(dir.resolve("lake").toUri().toString()), CLOCK);
    }

    private Path tenantDir() {
        return dir.resolve("lake/rights/requests/tenant_id=bank_456");
    }

    private void threeEntries(RequestLog log) throws Exception {
        log.receive(
                OFFICER,
                "bank_456",
                "DSR-1",
                Kind.ERASURE,
                SubjectType.USER,
                "user-0042",
                LocalDate.of(2026, 12, 1),
                "letter 2026-12-01");
        log.transition(
                OFFICER,
                "bank_456",
                "DSR-1",
                State.EVALUATED,
                new Change(null, null, null, "{\"erase_now\": 2}", true));
        log.transition(
                OFFICER,
                "bank_456",
                "DSR-1",
                State.DEFERRED,
                new Change(LocalDate.of(2027, 3, 1), null, "Reg B", null, true));
    }

    @Test
    void everyStateChangeIsANewChainedEntry() throws Exception {
        RequestLog log = log();

        threeEntries(log);

        List<RequestEntry> history = log.history(OFFICER, "bank_456", "DSR-1");
        assertThat(history).extracting(RequestEntry::seq).containsExactly(1L, 2L, 3L);
        assertThat(history)
                .extracting(RequestEntry::state)
                .containsExactly(State.RECEIVED, State.EVALUATED, State.DEFERRED);
        assertThat(history.get(0).prevHash()).isEqualTo(RequestLogHasher.GENESIS);
        assertThat(history.get(1).prevHash()).isEqualTo(history.get(0).hash());
        assertThat(history.get(2).prevHash()).isEqualTo(history.get(1).hash());
        assertThat(history.get(2).subjectId()).isEqualTo("user-0042");
        assertThat(history.get(2).until()).isEqualTo("2027-03-01");
        assertThat(history.get(2).loggedBy()).isEqualTo("a.officer");
        assertThat(history.get(2).recordedAt()).isEqualTo("2026-12-05T09:00:00Z");
        try (var files = Files.list(tenantDir())) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted())
                    .containsExactly(
                            "entry-00000000000000000001.json",
                            "entry-00000000000000000002.json",
                            "entry-00000000000000000003.json");
        }
        RequestLog.Verification v = log.verify(OFFICER, "bank_456");
        assertThat(v.problems()).isEmpty();
        assertThat(v.entries()).isEqualTo(3);
        assertThat(v.lastHash()).isEqualTo(history.get(2).hash());
        assertThat(log.restrictedSubjects("bank_456"))
                .containsExactly(new Subject(SubjectType.USER, "user-0042"));
    }

    @Test
    void anAlteredEntryIsDetected() throws Exception {
        RequestLog log = log();
        threeEntries(log);
        Path second = tenantDir().resolve("entry-00000000000000000002.json");

        Files.writeString(
                second,
                Files.readString(second).replace("\"erase_now\\\": 2", "\"erase_now\\\": 9"));

        assertThat(Files.readString(second)).contains("erase_now\\\": 9");
        assertThat(log.verify(OFFICER, "bank_456").problems())
                .containsExactly("seq 2 (request DSR-1): hash does not recompute (entry altered)");
    }

    @Test
    void aDeletedEntryIsAGap() throws Exception {
        RequestLog log = log();
        threeEntries(log);

        Files.delete(tenantDir().resolve("entry-00000000000000000002.json"));

        assertThat(log.verify(OFFICER, "bank_456").problems()).containsExactly("seq 2..2 missing");
    }

    @Test
    void aReplacedEntryWithARecomputedHashBreaksTheNextLink() throws Exception {
        // an attacker who rewrites entry 2 and recomputes its own hash still breaks entry 3's link
        RequestLog log = log();
        threeEntries(log);
        Path second = tenantDir().resolve("entry-00000000000000000002.json");
        RequestEntry e = RequestEntry.fromJson(Files.readAllBytes(second), "2");
        RequestEntry forged =
                new RequestEntry(
                                e.seq(),
                                e.requestId(),
                                e.tenantId(),
                                e.kind(),
                                e.subjectType(),
                                e.subjectId(),
                                e.receivedDate(),
                                e.requesterReference(),
                                State.REFUSED,
                                null,
                                null,
                                "forged",
                                null,
                                false,
                                e.loggedBy(),
                                e.loggedByRole(),
                                e.channel(),
                                e.recordedAt(),
                                e.prevHash(),
                                "")
                        .withHash("");
        forged = forged.withHash(new RequestLogHasher().hash(e.prevHash(), forged));

        Files.write(second, forged.toJson());

        assertThat(log.verify(OFFICER, "bank_456").problems())
                .containsExactly(
                        "seq 3 (request DSR-1): prev_hash does not link to the previous entry");
    }

    @Test
    void anEntryRenamedToAnotherSeqIsDetected() throws Exception {
        RequestLog log = log();
        threeEntries(log);

        Files.move(
                tenantDir().resolve("entry-00000000000000000003.json"),
                tenantDir().resolve("entry-00000000000000000004.json"));

        assertThat(log.verify(OFFICER, "bank_456").problems())
                .containsExactly("seq 3: its file is named for another seq");
    }

    @Test
    void aCallerWithoutTheTenantGrantOrTheRoleIsRefusedWithoutNamingTheSubject() throws Exception {
        RequestLog log = log();
        threeEntries(log);
        Caller otherTenant =
                Caller.authenticated(
                        "b.officer",
                        AuditRole.COMPLIANCE_OFFICER,
                        Caller.Channel.CLI,
                        TenantScope.of(Set.of("bank_999")));
        Caller operator = Caller.cli("an.operator", AuditRole.OPERATOR);

        assertThatThrownBy(() -> log.entries(otherTenant, "bank_456"))
                .isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("not granted tenant bank_456")
                .hasMessageNotContaining("user-0042");
        assertThatThrownBy(
                        () ->
                                log.receive(
                                        operator,
                                        "bank_456",
                                        "DSR-2",
                                        Kind.ACCESS,
                                        SubjectType.USER,
                                        "user-0077",
                                        LocalDate.of(2026, 12, 1),
                                        "ticket 9"))
                .isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("only a compliance officer")
                .hasMessageNotContaining("user-0077");
        assertThat(log.verify(OFFICER, "bank_456").entries()).isEqualTo(3);
    }

    @Test
    void refusesTransitionsThatCannotHappen() throws Exception {
        RequestLog log = log();
        threeEntries(log);

        assertThatThrownBy(
                        () ->
                                log.transition(
                                        OFFICER,
                                        "bank_456",
                                        "DSR-9",
                                        State.EVALUATED,
                                        Change.plain(false)))
                .hasMessage("no request DSR-9 on file for tenant bank_456");
        assertThatThrownBy(
                        () ->
                                log.transition(
                                        OFFICER,
                                        "bank_456",
                                        "DSR-1",
                                        State.EXECUTED,
                                        new Change(null, "abc", null, null, false)))
                .hasMessageContaining("receipt's SHA-256");
        log.transition(
                OFFICER,
                "bank_456",
                "DSR-1",
                State.REFUSED,
                new Change(null, null, "manifestly unfounded", null, false));
        assertThatThrownBy(
                        () ->
                                log.transition(
                                        OFFICER,
                                        "bank_456",
                                        "DSR-1",
                                        State.COMPLETED,
                                        Change.plain(false)))
                .hasMessageContaining("closed request");
        assertThat(log.restrictedSubjects("bank_456")).isEmpty();
        assertThat(
                        new String(
                                Files.readAllBytes(
                                        tenantDir().resolve("entry-00000000000000000004.json")),
                                StandardCharsets.UTF_8))
                .contains("\"state\" : \"REFUSED\"");
    }
}
