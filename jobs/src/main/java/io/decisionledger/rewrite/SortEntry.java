package io.decisionledger.rewrite;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.OpsDecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Comparator;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * One record on its way through a rewrite's sort: its sort key (the fields of {@link
 * Dataset#order()}, compared in the same order with the same result), its event id and its Avro
 * binary encoding (what is sorted, spilled, merged and hashed; decoded again only to be written).
 * Holding the encoding rather than the decoded record keeps a sort buffer's heap close to its
 * accounted size.
 */
final class SortEntry {

    /** The dataset's order ({@link Dataset#order()}) on the extracted keys. */
    static final Comparator<SortEntry> ORDER =
            (a, b) -> {
                int c = compare(a.s1, b.s1);
                if (c != 0) {
                    return c;
                }
                c = Long.compare(a.n1, b.n1);
                if (c != 0) {
                    return c;
                }
                c = compare(a.s2, b.s2);
                if (c != 0) {
                    return c;
                }
                c = Long.compare(a.n2, b.n2);
                return c != 0 ? c : Long.compare(a.n3, b.n3);
            };

    /** audit: user id; ops: pseudonym; quarantine: "" */
    final String s1;

    /** event time (audit, ops) or ingest time (quarantine), in microseconds */
    final long n1;

    /** event id (audit, ops) or source topic (quarantine) */
    final String s2;

    /** quarantine: source partition and offset; 0 otherwise */
    final long n2;

    final long n3;

    /** the event id, or null (quarantined input without one) */
    final String id;

    final byte[] bytes;

    /**
     * The record {@link #bytes} encode, when the sort keeps it decoded (entries of sorted files,
     * and of the buffer until it first spills): it is written as it is instead of decoded again.
     * Null in spilled runs.
     */
    IndexedRecord record;

    private SortEntry(String s1, long n1, String s2, long n2, long n3, String id, byte[] bytes) {
        this.s1 = s1;
        this.n1 = n1;
        this.s2 = s2;
        this.n2 = n2;
        this.n3 = n3;
        this.id = id;
        this.bytes = bytes;
    }

    /**
     * The entry of {@code record}, whose Avro binary encoding is {@code bytes}: a typed record of
     * the dataset's class or a generic one of its schema ({@link
     * io.decisionledger.lake.LakeFiles#openRawRecords}: strings as {@code Utf8}, timestamps as
     * stored longs), whose keys are the same.
     */
    static SortEntry of(Dataset dataset, IndexedRecord record, byte[] bytes) {
        Fields f = Fields.of(dataset);
        String id = text(record.get(f.id));
        return switch (dataset) {
            case AUDIT, OPS ->
                    new SortEntry(
                            text(record.get(f.s1)), micros(record.get(f.n1)), id, 0, 0, id, bytes);
            case QUARANTINE ->
                    new SortEntry(
                            "",
                            micros(record.get(f.n1)),
                            text(record.get(f.s2)),
                            ((Number) record.get(f.n2)).longValue(),
                            ((Number) record.get(f.n3)).longValue(),
                            id,
                            bytes);
        };
    }

    /**
     * The first key of {@code record} in its dataset's order (audit: user id, ops: pseudonym,
     * quarantine: none, ""), as {@link #s1} holds it: what a split partition's slices range over.
     */
    static String firstKey(Dataset dataset, IndexedRecord record) {
        return dataset == Dataset.QUARANTINE ? "" : text(record.get(Fields.of(dataset).s1));
    }

    /** The event id of {@code record} (typed or generic), or null. */
    static String eventId(Dataset dataset, IndexedRecord record) {
        return text(record.get(Fields.of(dataset).id));
    }

    /** Positions of the key fields in a dataset's schema (-1: not a key of that dataset). */
    private record Fields(int s1, int n1, int s2, int n2, int n3, int id) {
        private static final Fields AUDIT = of(DecisionRecord.getClassSchema(), "user_id");
        private static final Fields OPS = of(OpsDecisionRecord.getClassSchema(), "user_pseudonym");
        private static final Fields QUARANTINE =
                new Fields(
                        -1,
                        pos(QuarantineRecord.getClassSchema(), "ingest_time"),
                        pos(QuarantineRecord.getClassSchema(), "source_topic"),
                        pos(QuarantineRecord.getClassSchema(), "source_partition"),
                        pos(QuarantineRecord.getClassSchema(), "source_offset"),
                        pos(QuarantineRecord.getClassSchema(), "event_id"));

        private static Fields of(Schema schema, String first) {
            int id = pos(schema, "event_id");
            return new Fields(pos(schema, first), pos(schema, "event_time"), id, -1, -1, id);
        }

        private static int pos(Schema schema, String name) {
            return schema.getField(name).pos();
        }

        static Fields of(Dataset dataset) {
            return switch (dataset) {
                case AUDIT -> AUDIT;
                case OPS -> OPS;
                case QUARANTINE -> QUARANTINE;
            };
        }
    }

    /** Tests only: the same keys with another encoding (a changed record). */
    SortEntry withBytes(byte[] other) {
        return new SortEntry(s1, n1, s2, n2, n3, id, other);
    }

    /** Heap the entry holds, roughly: what a sort buffer counts against its size. */
    long heapBytes() {
        return 96L + bytes.length + chars(s1) + chars(s2) + (id == s2 ? 0 : chars(id));
    }

    /**
     * Heap a decoded record of {@code fields} top-level fields whose Avro encoding is {@code bytes}
     * long holds, over-estimated: strings at up to two bytes a character (UTF-16) and an object
     * header, reference and box per field.
     */
    static long decodedHeapBytes(int bytes, int fields) {
        return 16L + 2L * bytes + 48L * fields;
    }

    void writeTo(DataOutputStream out) throws IOException {
        writeString(out, s1);
        out.writeLong(n1);
        writeString(out, s2);
        out.writeLong(n2);
        out.writeLong(n3);
        writeString(out, id == s2 ? null : id);
        out.writeBoolean(id == s2);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /** The next entry of a spilled run, or null at its end. */
    static SortEntry readFrom(DataInputStream in) throws IOException {
        String s1;
        try {
            s1 = readString(in);
        } catch (EOFException end) {
            return null;
        }
        long n1 = in.readLong();
        String s2 = readString(in);
        long n2 = in.readLong();
        long n3 = in.readLong();
        String id = readString(in);
        if (in.readBoolean()) {
            id = s2;
        }
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return new SortEntry(s1, n1, s2, n2, n3, id, bytes);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A timestamp-micros field: an {@code Instant} (typed record) or its stored long. */
    private static long micros(Object t) {
        if (t == null) {
            return Long.MIN_VALUE;
        }
        if (t instanceof Instant i) {
            return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
        }
        return (Long) t;
    }

    /** A string field: a {@code String} (typed record) or {@code Utf8} (raw record). */
    private static String text(Object v) {
        return v == null ? null : v.toString();
    }

    private static int compare(String a, String b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        return a.compareTo(b);
    }

    private static long chars(String s) {
        return s == null ? 0 : 40L + s.length();
    }
}
