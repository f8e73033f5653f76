package io.decisionledger.verify;

import io.decisionledger.chain.ChainEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.operators.Order;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple5;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The verify job's duplicate check: an event id stored more than once for its tenant is a {@link
 * ViolationKind#DUPLICATE_EVENT_ID}. Each audit record becomes a small tuple (a 64-bit key of its
 * tenant and event id, the tenant, the event id, its file), the tuples are spread over the subtasks
 * and sorted by the key with Flink's external sort (spilling, so the check holds for a lake larger
 * than memory), and this operator walks each run of equal keys.
 *
 * <p>The key is only the sort order, never the identity: within a run the tenant and event id are
 * compared in full, so two distinct event ids whose keys collide are counted apart (a collision
 * costs a small map for that run, and cannot report a duplicate that is not one or hide one that
 * is). Equal ids always have equal keys, so every copy of an id lands in the same run. A {@code
 * long} key is compared through its normalized key bytes without deserialising the record: the
 * keyed reduce by a {@code tenant/event id} string it replaces compared variable-length serialised
 * strings.
 */
final class DuplicateEventIds extends AbstractStreamOperator<Violation>
        implements OneInputStreamOperator<Tuple5<String, Long, String, Integer, String>, Violation>,
                BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /**
     * (tenant id, key, event id, file index or -1, file path or ""): the key second, as Flink
     * 2.2.0's {@code sortPartition(int field, Order)} refuses field 0.
     */
    static final TypeInformation<Tuple5<String, Long, String, Integer, String>> ID_TYPE =
            Types.TUPLE(Types.STRING, Types.LONG, Types.STRING, Types.INT, Types.STRING);

    private final String[] files;

    /** The run being walked: its key, its first id and how often that id was seen. */
    private transient boolean inRun;

    private transient long runKey;
    private transient Copies first;

    /** Other ids in the same run (a key collision), by tenant and event id; rarely non-empty. */
    private transient Map<List<String>, Copies> others;

    /** One event id of a run: where it was first seen and how often. */
    private static final class Copies {
        final String tenantId;
        final String eventId;
        final int fileIndex;
        final String file;
        long count = 1;

        Copies(Tuple5<String, Long, String, Integer, String> t) {
            this.tenantId = t.f0;
            this.eventId = t.f2;
            this.fileIndex = t.f3;
            this.file = t.f4;
        }
    }

    /**
     * @param files the files entries name by {@link ChainEntry#fileIndex}
     */
    DuplicateEventIds(String[] files) {
        this.files = files.clone();
    }

    /** The duplicate check's part of the graph: key, spread, sort, walk. */
    static DataStream<Violation> find(DataStream<ChainEntry> entries, String[] files) {
        return entries.map(DuplicateEventIds::idOf)
                .returns(ID_TYPE)
                .name("event-ids")
                .partitionCustom(
                        (Long key, int subtasks) -> Math.floorMod(key, subtasks), t -> t.f1)
                .fullWindowPartition()
                .sortPartition(1, Order.ASCENDING)
                .name("sort-event-ids")
                .transform(
                        "duplicate-event-ids",
                        TypeInformation.of(Violation.class),
                        new DuplicateEventIds(files));
    }

    static Tuple5<String, Long, String, Integer, String> idOf(ChainEntry e) {
        String tenant = String.valueOf(e.tenantId);
        String eventId = String.valueOf(e.eventId);
        return Tuple5.of(
                tenant, key(tenant, eventId), eventId, e.fileIndex, e.file == null ? "" : e.file);
    }

    /**
     * A 64-bit hash of the tenant and the event id (FNV-1a over their characters with a separator
     * no character can be, then MurmurHash3's finaliser): the sort key. Equal pairs give equal
     * keys; unequal pairs rarely do, and are told apart in full when they do.
     */
    static long key(String tenantId, String eventId) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < tenantId.length(); i++) {
            h = (h ^ tenantId.charAt(i)) * 0x100000001b3L;
        }
        h = (h ^ 0x10000) * 0x100000001b3L;
        for (int i = 0; i < eventId.length(); i++) {
            h = (h ^ eventId.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    @Override
    public void processElement(
            StreamRecord<Tuple5<String, Long, String, Integer, String>> element) {
        Tuple5<String, Long, String, Integer, String> t = element.getValue();
        long key = t.f1;
        if (!inRun || key != runKey) {
            endRun();
            inRun = true;
            runKey = key;
            first = new Copies(t);
            return;
        }
        if (first.tenantId.equals(t.f0) && first.eventId.equals(t.f2)) {
            first.count++;
            return;
        }
        if (others == null) {
            others = new LinkedHashMap<>();
        }
        Copies other = others.get(List.of(t.f0, t.f2));
        if (other == null) {
            others.put(List.of(t.f0, t.f2), new Copies(t));
        } else {
            other.count++;
        }
    }

    @Override
    public void endInput() {
        endRun();
    }

    private void endRun() {
        if (!inRun) {
            return;
        }
        List<Copies> ids = new ArrayList<>(1);
        ids.add(first);
        if (others != null) {
            ids.addAll(others.values());
            others.clear();
        }
        for (Copies c : ids) {
            if (c.count > 1) {
                output.collect(new StreamRecord<>(violation(c)));
            }
        }
        inRun = false;
        first = null;
    }

    private Violation violation(Copies c) {
        String file = c.fileIndex >= 0 ? files[c.fileIndex] : c.file;
        return Violation.of(
                ViolationKind.DUPLICATE_EVENT_ID,
                c.tenantId,
                0,
                -1,
                -1,
                file,
                "event " + c.eventId + " is stored " + c.count + " times");
    }
}
