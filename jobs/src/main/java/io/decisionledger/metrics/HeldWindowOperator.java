package io.decisionledger.metrics;

import io.decisionledger.schema.DecisionMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The metrics branch's window operator of one granularity: the rows, corrections and too-late
 * decisions of Flink's tumbling event-time window operator with {@link CountingEventTimeTrigger}
 * and an allowed lateness (what {@link MetricsPipeline#windows} builds for the metrics job), at a
 * fraction of its state traffic.
 *
 * <p>Flink's operator keeps every window's accumulator in keyed state and two timers per window
 * (its end, and its cleanup after the allowed lateness), so with RocksDB each read model row costs
 * a read-modify-write of the accumulator per partial, two timer writes and two timer deletes, a
 * read when it fires and a delete at cleanup. This operator keeps windows the watermark has not
 * passed in its heap, indexed by their end, and fires them from that index when a watermark passes
 * them:
 *
 * <ul>
 *   <li>an open window costs no keyed state access until it fires, unless a checkpoint comes first:
 *       then it is written to keyed state ({@code open-windows}) so that the checkpoint holds it,
 *       and removed from there when it fires;
 *   <li>a fired window is written to keyed state ({@code fired-windows}) once, and only with an
 *       allowed lateness: a late decision within it reads it, adds itself and emits the correction
 *       row (counted in {@value CountingEventTimeTrigger#METRIC_LATE_CORRECTED}, as Flink's
 *       operator does); the watermark passing the window's end plus the lateness deletes it;
 *   <li>no timers: the heap indexes of open and fired windows are rebuilt from the keyed state on
 *       restore (in the subtask that owns each key after a rescale), and the watermark restarts
 *       from nothing, as Flink's does;
 *   <li>a decision whose window ended more than the allowed lateness before the watermark goes to
 *       the too-late side output with its timestamp, as Flink's operator sends it.
 * </ul>
 *
 * <p>The rows are those of Flink's operator: a window's row when the watermark passes its end (its
 * timestamp the window's last millisecond), one correction row per late partial, revisions = the
 * decisions covered. The heap holds the windows between the watermark and the newest event time per
 * key (with {@link PreAggregateMetrics} in front: one accumulator of 0.1–5 KB each).
 */
public final class HeldWindowOperator extends AbstractStreamOperator<DecisionMetrics>
        implements OneInputStreamOperator<MetricsPartial, DecisionMetrics> {
    private static final long serialVersionUID = 1L;

    static final String OPEN_STATE = "open-windows";
    static final String FIRED_STATE = "fired-windows";

    private final String granularity;
    private final long windowMillis;
    private final long latenessMillis;
    private final OutputTag<MetricsPartial> tooLate;

    /** Windows the watermark has not passed: by their last millisecond, then key. */
    private transient TreeMap<Long, Map<Tuple3<String, String, String>, Held>> open;

    /** Fired windows kept in keyed state for the allowed lateness, by cleanup time. */
    private transient TreeMap<Long, Set<Fired>> fired;

    private transient MapState<Long, MetricsAccumulator> openState;
    private transient MapState<Long, MetricsAccumulator> firedState;
    private transient long watermark;
    private transient boolean restored;
    private transient Counter lateCorrected;
    private transient StreamRecord<DecisionMetrics> reuse;

    /** A fired window kept for late decisions: its key and start. */
    private record Fired(Tuple3<String, String, String> key, long start) {}

    /** An open window's accumulator, and whether (and how current) its copy in keyed state is. */
    private static final class Held {
        MetricsAccumulator acc = new MetricsAccumulator();
        boolean inState;
        boolean changedSinceState;
    }

    public HeldWindowOperator(Granularity granularity, Duration allowedLateness) {
        this.granularity = granularity.label();
        this.windowMillis = granularity.length().toMillis();
        this.latenessMillis = allowedLateness.toMillis();
        this.tooLate = MetricsPipeline.tooLateTag(granularity);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        restored = context.isRestored();
    }

    @Override
    public void open() throws Exception {
        super.open();
        open = new TreeMap<>();
        fired = new TreeMap<>();
        openState =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        OPEN_STATE, Types.LONG, SerializerTypeInfo.ACCUMULATOR));
        firedState =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        FIRED_STATE, Types.LONG, SerializerTypeInfo.ACCUMULATOR));
        watermark = Long.MIN_VALUE;
        lateCorrected = getMetricGroup().counter(CountingEventTimeTrigger.METRIC_LATE_CORRECTED);
        reuse = new StreamRecord<>(null);
        if (restored) {
            indexRestoredWindows();
        }
    }

    /** Rebuilds the heap indexes from the windows in this subtask's restored keyed state. */
    private void indexRestoredWindows() throws Exception {
        for (Tuple3<String, String, String> key : keysOf(OPEN_STATE)) {
            setCurrentKey(key);
            for (Map.Entry<Long, MetricsAccumulator> e : openState.entries()) {
                Held h = new Held();
                h.acc = e.getValue();
                h.inState = true;
                open.computeIfAbsent(lastMillis(e.getKey()), t -> new HashMap<>()).put(key, h);
            }
        }
        for (Tuple3<String, String, String> key : keysOf(FIRED_STATE)) {
            setCurrentKey(key);
            for (Long start : firedState.keys()) {
                keepFired(key, start);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private List<Tuple3<String, String, String>> keysOf(String state) {
        List<Tuple3<String, String, String>> keys = new ArrayList<>();
        // collected first: state is read (and written) per key afterwards
        try (Stream<Object> all = getKeyedStateBackend().getKeys(state, VoidNamespace.INSTANCE)) {
            all.forEach(k -> keys.add((Tuple3<String, String, String>) k));
        }
        return keys;
    }

    @Override
    public void processElement(StreamRecord<MetricsPartial> element) throws Exception {
        if (!element.hasTimestamp()) {
            throw new IllegalStateException(
                    "a partial reached the metrics windows without an event-time timestamp: the"
                            + " source must assign event time (MetricsWatermarks)");
        }
        long start = TimeWindow.getWindowStartWithOffset(element.getTimestamp(), 0, windowMillis);
        long last = lastMillis(start);
        long cleanup = cleanupTime(last);
        if (cleanup <= watermark) {
            output.collect(tooLate, element);
            return;
        }
        MetricsPartial partial = element.getValue();
        Tuple3<String, String, String> key = currentKey();
        if (last > watermark) {
            Held h = open.computeIfAbsent(last, t -> new HashMap<>()).get(key);
            if (h == null) {
                h = new Held();
                open.get(last).put(key, h);
            }
            h.acc = partial.addTo(h.acc);
            h.changedSinceState = true;
            return;
        }
        // late, within the allowed lateness: a correction row for the whole window
        MetricsAccumulator acc = firedState.get(start);
        if (acc == null) {
            acc = new MetricsAccumulator();
            keepFired(key, start);
        }
        acc = partial.addTo(acc);
        firedState.put(start, acc);
        lateCorrected.inc(partial.decisions());
        emit(key, start, acc);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        long wm = mark.getTimestamp();
        if (wm > watermark) {
            watermark = wm;
            while (!open.isEmpty() && open.firstKey() <= wm) {
                Map.Entry<Long, Map<Tuple3<String, String, String>, Held>> due =
                        open.pollFirstEntry();
                for (Map.Entry<Tuple3<String, String, String>, Held> w :
                        due.getValue().entrySet()) {
                    fire(w.getKey(), due.getKey(), w.getValue());
                }
            }
            while (!fired.isEmpty() && fired.firstKey() <= wm) {
                for (Fired w : fired.pollFirstEntry().getValue()) {
                    setCurrentKey(w.key());
                    firedState.remove(w.start());
                }
            }
        }
        super.processWatermark(mark);
    }

    /** The row of an open window the watermark has passed; kept for late decisions if allowed. */
    private void fire(Tuple3<String, String, String> key, long last, Held h) throws Exception {
        long start = last - windowMillis + 1;
        long cleanup = cleanupTime(last);
        MetricsAccumulator acc = h.acc;
        Set<Fired> firedThen = fired.get(cleanup);
        boolean firedBefore = firedThen != null && firedThen.contains(new Fired(key, start));
        boolean keep = cleanup > watermark;
        if (h.inState || firedBefore || keep) {
            setCurrentKey(key);
        }
        if (h.inState) {
            openState.remove(start);
        }
        if (firedBefore) {
            // decisions of a window that fired before a restore, arriving before the first
            // watermark after it: Flink's operator merges them into the fired window too
            acc = firedState.get(start).merge(acc);
        }
        if (keep) {
            firedState.put(start, acc);
            if (!firedBefore) {
                keepFired(key, start);
            }
        }
        emit(key, start, acc);
    }

    private void keepFired(Tuple3<String, String, String> key, long start) {
        fired.computeIfAbsent(cleanupTime(lastMillis(start)), t -> new HashSet<>())
                .add(new Fired(key, start));
    }

    private void emit(Tuple3<String, String, String> key, long start, MetricsAccumulator acc) {
        output.collect(
                reuse.replace(
                        acc.toRow(granularity, key.f0, key.f1, key.f2, start, start + windowMillis),
                        lastMillis(start)));
    }

    /** Open windows changed since the last checkpoint go into keyed state before it is taken. */
    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        for (Map.Entry<Long, Map<Tuple3<String, String, String>, Held>> byEnd : open.entrySet()) {
            long start = byEnd.getKey() - windowMillis + 1;
            for (Map.Entry<Tuple3<String, String, String>, Held> w : byEnd.getValue().entrySet()) {
                Held h = w.getValue();
                if (h.changedSinceState) {
                    setCurrentKey(w.getKey());
                    openState.put(start, h.acc);
                    h.inState = true;
                    h.changedSinceState = false;
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private Tuple3<String, String, String> currentKey() {
        return (Tuple3<String, String, String>) getCurrentKey();
    }

    private long lastMillis(long windowStart) {
        return windowStart + windowMillis - 1;
    }

    /** As Flink's window operator: the window's last millisecond plus the allowed lateness. */
    private long cleanupTime(long last) {
        long cleanup = last + latenessMillis;
        return cleanup >= last ? cleanup : Long.MAX_VALUE;
    }

    /** Open windows in the heap (tests). */
    int openWindows() {
        return open.values().stream().mapToInt(Map::size).sum();
    }

    /** Fired windows kept for late decisions (tests). */
    int firedWindows() {
        return fired.values().stream().mapToInt(Set::size).sum();
    }
}
