package io.decisionledger.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A Sink V2 that keeps a deep copy of every record it receives, for pipeline tests on the
 * MiniCluster (which runs in the test's JVM, hence the static registry keyed by a per-sink id).
 * Copies, because the jobs enable object reuse and operators downstream of a fork may change a
 * record after the sink has seen it. Not exactly-once: use it with a restart strategy of none, so a
 * failure fails the test instead of repeating records.
 */
public final class CollectingSink<T extends SpecificRecordBase> implements Sink<T> {
    private static final long serialVersionUID = 1L;

    private static final Map<String, Queue<Object>> COLLECTED = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();
    private final Class<T> type;

    private CollectingSink(Class<T> type) {
        this.type = type;
        COLLECTED.put(id, new ConcurrentLinkedQueue<>());
    }

    public static <T extends SpecificRecordBase> CollectingSink<T> of(Class<T> type) {
        return new CollectingSink<>(type);
    }

    /** Everything received so far, in arrival order per subtask. */
    public List<T> values() {
        List<T> out = new ArrayList<>();
        COLLECTED.get(id).forEach(v -> out.add(type.cast(v)));
        return out;
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        Queue<Object> into = COLLECTED.get(id);
        SpecificData model = SpecificData.getForClass(type);
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context ctx) {
                into.add(model.deepCopy(element.getSchema(), element));
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
