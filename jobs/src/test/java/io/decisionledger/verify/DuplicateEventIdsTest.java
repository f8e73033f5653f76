package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.chain.ChainEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.java.tuple.Tuple5;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The duplicate check ({@link DuplicateEventIds}) under Flink's operator harness, fed its tuples
 * sorted by key as the job sorts them: an event id stored twice for a tenant is reported once with
 * its count, the same id under two tenants is not a duplicate, and two distinct ids whose 64-bit
 * keys collide are told apart by their full value, never counted as one.
 */
class DuplicateEventIdsTest {

    private static final String[] FILES = {"lake/f0.parquet", "lake/f1.parquet"};

    @Test
    void anEventIdStoredTwiceForItsTenantIsOneViolationWithItsCount() throws Exception {
        List<Violation> found =
                walk(
                        id("bank_456", "e-1", 0),
                        id("bank_456", "e-2", 0),
                        id("bank_456", "e-1", 1),
                        id("bank_456", "e-1", 1),
                        id("insurer_789", "e-2", 1));

        assertThat(found).hasSize(1);
        Violation v = found.get(0);
        assertThat(v.kind).isEqualTo(ViolationKind.DUPLICATE_EVENT_ID.name());
        assertThat(v.tenantId).isEqualTo("bank_456");
        assertThat(v.detail).isEqualTo("event e-1 is stored 3 times");
        assertThat(v.file).isIn((Object[]) FILES);
        assertThat(v.seqFrom).isEqualTo(-1);
    }

    @Test
    void distinctEventIdsWhoseKeysCollideAreComparedInFullAndNotConflated() throws Exception {
        // the same key forced onto three distinct ids: only e-7, stored twice, is a duplicate
        long collision = 42L;
        List<Violation> found =
                walkUnsorted(
                        withKey(collision, id("bank_456", "e-7", 0)),
                        withKey(collision, id("bank_456", "e-8", 0)),
                        withKey(collision, id("bank_456", "e-7", 1)),
                        withKey(collision, id("lender_123", "e-7", 1)),
                        withKey(collision + 1, id("bank_456", "e-9", 1)));

        assertThat(found)
                .extracting(v -> v.tenantId + " " + v.detail)
                .containsExactly("bank_456 event e-7 is stored 2 times");
    }

    @Test
    void collidingIdsThatAreEachDuplicatedAreEachReported() throws Exception {
        List<Violation> found =
                walkUnsorted(
                        withKey(5, id("bank_456", "a", 0)),
                        withKey(5, id("bank_456", "b", 0)),
                        withKey(5, id("bank_456", "b", 1)),
                        withKey(5, id("bank_456", "a", 1)),
                        withKey(5, id("bank_456", "b", 1)));

        assertThat(found)
                .extracting(v -> v.detail)
                .containsExactly("event a is stored 2 times", "event b is stored 3 times");
    }

    @Test
    void aTenantAndIdThatSpellTheSameJoinedStringAreTwoEventsNotADuplicate() throws Exception {
        // the keyed reduce before joined them as "a/b/c" and reported one event stored twice
        assertThat(walk(id("a/b", "c", 0), id("a", "b/c", 1))).isEmpty();
    }

    @Test
    void theKeyIsTheSameForTheSameTenantAndIdAndSeparatesTenantFromId() {
        assertThat(DuplicateEventIds.key("bank", "e-1"))
                .isEqualTo(DuplicateEventIds.key("bank", "e-1"));
        // the old string key "tenant/id" made these two one
        assertThat(DuplicateEventIds.key("a/b", "c"))
                .isNotEqualTo(DuplicateEventIds.key("a", "b/c"));
        assertThat(DuplicateEventIds.key("bank", "e-1"))
                .isNotEqualTo(DuplicateEventIds.key("bank", "e-2"));
    }

    @Test
    void entriesWithoutAnIndexedFileNameTheirPath() {
        ChainEntry e = new ChainEntry();
        e.tenantId = "bank_456";
        e.eventId = "e-1";
        e.file = "lake/elsewhere.parquet";
        Tuple5<String, Long, String, Integer, String> t = DuplicateEventIds.idOf(e);
        assertThat(t.f1).isEqualTo(DuplicateEventIds.key("bank_456", "e-1"));
        assertThat(t.f3).isEqualTo(-1);
        assertThat(t.f4).isEqualTo("lake/elsewhere.parquet");
    }

    private static Tuple5<String, Long, String, Integer, String> id(
            String tenant, String eventId, int file) {
        ChainEntry e = new ChainEntry();
        e.tenantId = tenant;
        e.eventId = eventId;
        e.fileIndex = file;
        return DuplicateEventIds.idOf(e);
    }

    private static Tuple5<String, Long, String, Integer, String> withKey(
            long key, Tuple5<String, Long, String, Integer, String> t) {
        t.f1 = key;
        return t;
    }

    /** Sorted by key as the job's subtask sorts them (stable: ties in arrival order). */
    @SafeVarargs
    private static List<Violation> walk(Tuple5<String, Long, String, Integer, String>... ids)
            throws Exception {
        List<Tuple5<String, Long, String, Integer, String>> sorted = new ArrayList<>(List.of(ids));
        sorted.sort(Comparator.comparingLong(t -> t.f1));
        return walkUnsorted(sorted.toArray(new Tuple5[0]));
    }

    @SafeVarargs
    private static List<Violation> walkUnsorted(
            Tuple5<String, Long, String, Integer, String>... ids) throws Exception {
        try (OneInputStreamOperatorTestHarness<
                        Tuple5<String, Long, String, Integer, String>, Violation>
                harness = new OneInputStreamOperatorTestHarness<>(new DuplicateEventIds(FILES))) {
            harness.open();
            for (Tuple5<String, Long, String, Integer, String> t : ids) {
                harness.processElement(new StreamRecord<>(t));
            }
            harness.endInput();
            return harness.extractOutputValues();
        }
    }
}
