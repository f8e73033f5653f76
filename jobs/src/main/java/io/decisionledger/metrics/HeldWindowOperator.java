package io.decisionledger.metrics;

import io.decisionledger.schema.DecisionMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * read when it fires and a delete at cleanup. This operator keeps the windows in its heap, indexed
 * by their end and their cleanup time, and touches keyed state only so that a checkpoint holds
 * them:
 *
 * <ul>
 *   <li>an open window (the watermark has not passed its end) is written to keyed state ({@code
 *       open-windows}) only when a checkpoint comes before it fires, and removed from there when it
 *       fires;
 *   <li>a fired window is kept for the allowed lateness (not at all without one): a late decision
 *       within it adds itself and emits the correction row (counted in {@value
 *       CountingEventTimeTrigger#METRIC_LATE_CORRECTED}, as Flink's operator does); it is written
 *       to keyed state ({@code fired-windows}) at a checkpoint if it changed since the last one,
 *       and deleted from there when the watermark passes its end plus the lateness. More than
 *       {@value #MAX_IN_HEAP} fired (or open) windows in the heap and all of them move to keyed
 *       state (read back when needed), which bounds the heap;
 *   <li>no timers: the heap indexes are rebuilt from the keyed state on restore (in the subtask
 *       that owns each key after a rescale), and the watermark restarts from nothing, as Flink's
 *       does;
 *   <li>a decision whose window ended more than the allowed lateness before the watermark goes to
 *       the too-late side output with its timestamp, as Flink's operator sends it.
 * </ul>
 *
 * <p>The rows are those of Flink's operator: a window's row when the watermark passes its end (its
 * timestamp the window's last millisecond), one correction row per late partial, revisions = the
 * decisions covered. With {@link PreAggregateMetrics} in front, a window's partials arrive when the
 * watermark passes it or at a checkpoint barrier, so most windows never touch keyed state before
 * they fire; at production checkpoint intervals a fired window is written about once.
 */
public final class HeldWindowOperator extends AbstractStreamOperator<DecisionMetrics>
        implements OneInputStreamOperator<MetricsPartial, DecisionMetrics> {
    private static final long serialVersionUID = 1L;

    static final String OPEN_STATE = "open-windows";
    static final String FIRED_STATE = "fired-windows";

    /**
     * Windows whose accumulators stay in the heap at most, open and fired each (per subtask and
     * granularity; an accumulator is 0.1 to 5 KB, so at most about 40 MB): beyond that all open (or
     * all fired) ones move to keyed state and are read back when needed. Open windows pile up when
     * the watermark is held back (a lagging partition, a long catch-up); fired ones with a long
     * allowed lateness over many keys.
     */
    static final int MAX_IN_HEAP = 4096;

    private final String granularity;
    private final long windowMillis;
    private final long latenessMillis;
    private final int maxInHeap;
    private final OutputTag<MetricsPartial> tooLate;

    /** Windows the watermark has not passed: by their last millisecond, then key. */
    private transient TreeMap<Long, Map<Tuple3<String, String, String>, Held>> open;

    /** Fired windows kept for the allowed lateness (accumulator in the heap or keyed state). */
    private transient Map<Window, Held> fired;

    /** The same fired windows by cleanup time (their end plus the allowed lateness). */
    private transient TreeMap<Long, List<Window>> firedByCleanup;

    /** Fired windows whose accumulator is in the heap. */
    private transient int firedInHeap;

    /** Open windows whose accumulator is in the heap. */
    private transient int openInHeap;

    private transient MapState<Long, MetricsAccumulator> openState;
    private transient MapState<Long, MetricsAccumulator> firedState;
    private transient long watermark;
    private transient boolean restored;
    private transient Counter lateCorrected;
    private transient StreamRecord<DecisionMetrics> reuse;

    /** A window: its key and start. */
    private record Window(Tuple3<String, String, String> key, long start) {}

    /**
     * A window's accumulator (null while only its copy in keyed state is current), and whether (and
     * how current) that copy is.
     */
    private static final class Held {
        MetricsAccumulator acc;
        boolean inState;
        boolean changedSinceState;

        Held(MetricsAccumulator acc, boolean inState) {
            this.acc = acc;
            this.inState = inState;
            this.changedSinceState = !inState;
        }
    }

    public HeldWindowOperator(Granularity granularity, Duration allowedLateness) {
        this(granularity, allowedLateness, MAX_IN_HEAP);
    }

    /** With at most {@code maxInHeap} open and as many fired windows' accumulators in the heap. */
    HeldWindowOperator(Granularity granularity, Duration allowedLateness, int maxInHeap) {
        this.granularity = granularity.label();
        this.windowMillis = granularity.length().toMillis();
        this.latenessMillis = allowedLateness.toMillis();
        this.maxInHeap = maxInHeap;
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
        fired = new HashMap<>();
        firedByCleanup = new TreeMap<>();
        firedInHeap = 0;
        openInHeap = 0;
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

    /**
     * Rebuilds the heap indexes from the windows in this subtask's restored keyed state, without
     * their accumulators (read from keyed state when a window fires or takes a decision).
     */
    private void indexRestoredWindows() throws Exception {
        for (Tuple3<String, String, String> key : keysOf(OPEN_STATE)) {
            setCurrentKey(key);
            for (Long start : openState.keys()) {
                open.computeIfAbsent(lastMillis(start), t -> new HashMap<>())
                        .put(key, new Held(null, true));
            }
        }
        for (Tuple3<String, String, String> key : keysOf(FIRED_STATE)) {
            setCurrentKey(key);
            for (Long start : firedState.keys()) {
                Window w = new Window(key, start);
                if (!fired.containsKey(w)) {
                    keepFired(w, new Held(null, true));
                }
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
        if (cleanupTime(last) <= watermark) {
            output.collect(tooLate, element);
            return;
        }
        MetricsPartial partial = element.getValue();
        Tuple3<String, String, String> key = currentKey();
        if (last > watermark) {
            Map<Tuple3<String, String, String>, Held> atEnd =
                    open.computeIfAbsent(last, t -> new HashMap<>());
            Held h = atEnd.get(key);
            if (h == null) {
                atEnd.put(key, new Held(partial.addTo(new MetricsAccumulator()), false));
                openInHeap++;
            } else {
                h.acc = partial.addTo(accumulatorOf(h, openState, start));
                h.changedSinceState = true;
            }
            moveOpenToStateIfOverCap();
            return;
        }
        // late, within the allowed lateness: a correction row for the whole window
        Window w = new Window(key, start);
        Held h = fired.get(w);
        if (h == null) {
            h = new Held(partial.addTo(new MetricsAccumulator()), false);
            keepFired(w, h);
        } else {
            h.acc = partial.addTo(accumulatorOf(h, firedState, start));
            h.changedSinceState = true;
        }
        lateCorrected.inc(partial.decisions());
        emit(key, start, h.acc);
        moveFiredToStateIfOverCap();
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
            while (!firedByCleanup.isEmpty() && firedByCleanup.firstKey() <= wm) {
                for (Window w : firedByCleanup.pollFirstEntry().getValue()) {
                    Held h = fired.remove(w);
                    if (h == null) {
                        continue;
                    }
                    if (h.acc != null) {
                        firedInHeap--;
                    }
                    if (h.inState) {
                        setCurrentKey(w.key());
                        firedState.remove(w.start());
                    }
                }
            }
            moveFiredToStateIfOverCap();
        }
        super.processWatermark(mark);
    }

    /** The row of an open window the watermark has passed; kept for late decisions if allowed. */
    private void fire(Tuple3<String, String, String> key, long last, Held open) throws Exception {
        long start = last - windowMillis + 1;
        if (open.inState) {
            setCurrentKey(key);
            accumulatorOf(open, openState, start);
            openState.remove(start);
        }
        openInHeap--;
        Window w = new Window(key, start);
        Held h = fired.get(w);
        if (h != null) {
            // decisions of a window that fired before a restore, arriving before the first
            // watermark after it: Flink's operator merges them into the fired window too
            setCurrentKey(key);
            h.acc = accumulatorOf(h, firedState, start).merge(open.acc);
            h.changedSinceState = true;
        } else if (cleanupTime(last) > watermark) {
            h = new Held(open.acc, false);
            keepFired(w, h);
        } else {
            h = open;
        }
        emit(key, start, h.acc);
    }

    /**
     * A window's accumulator: from {@code state} (the current key's) if not in the heap, and then
     * in the heap (counted as such).
     */
    private MetricsAccumulator accumulatorOf(
            Held h, MapState<Long, MetricsAccumulator> state, long start) throws Exception {
        if (h.acc == null) {
            h.acc = state.get(start);
            if (state == firedState) {
                firedInHeap++;
            } else {
                openInHeap++;
            }
        }
        return h.acc;
    }

    private void keepFired(Window w, Held h) {
        fired.put(w, h);
        if (h.acc != null) {
            firedInHeap++;
        }
        firedByCleanup
                .computeIfAbsent(cleanupTime(lastMillis(w.start())), t -> new ArrayList<>())
                .add(w);
    }

    /** Over the cap, every fired window's accumulator goes to keyed state and leaves the heap. */
    private void moveFiredToStateIfOverCap() throws Exception {
        if (firedInHeap <= maxInHeap) {
            return;
        }
        for (Map.Entry<Window, Held> e : fired.entrySet()) {
            moveToState(firedState, e.getKey(), e.getValue());
        }
        firedInHeap = 0;
    }

    /** Over the cap, every open window's accumulator goes to keyed state and leaves the heap. */
    private void moveOpenToStateIfOverCap() throws Exception {
        if (openInHeap <= maxInHeap) {
            return;
        }
        for (Map.Entry<Long, Map<Tuple3<String, String, String>, Held>> byEnd : open.entrySet()) {
            long start = byEnd.getKey() - windowMillis + 1;
            for (Map.Entry<Tuple3<String, String, String>, Held> w : byEnd.getValue().entrySet()) {
                moveToState(openState, new Window(w.getKey(), start), w.getValue());
            }
        }
        openInHeap = 0;
    }

    private void moveToState(MapState<Long, MetricsAccumulator> state, Window w, Held h)
            throws Exception {
        if (h.acc != null) {
            if (h.changedSinceState) {
                write(state, w, h);
            }
            h.acc = null;
        }
    }

    private void write(MapState<Long, MetricsAccumulator> state, Window w, Held h)
            throws Exception {
        setCurrentKey(w.key());
        state.put(w.start(), h.acc);
        h.inState = true;
        h.changedSinceState = false;
    }

    private void emit(Tuple3<String, String, String> key, long start, MetricsAccumulator acc) {
        output.collect(
                reuse.replace(
                        acc.toRow(granularity, key.f0, key.f1, key.f2, start, start + windowMillis),
                        lastMillis(start)));
    }

    /**
     * Windows changed since the last checkpoint, open or fired, go into keyed state before it is
     * taken: the checkpoint holds every window.
     */
    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        for (Map.Entry<Long, Map<Tuple3<String, String, String>, Held>> byEnd : open.entrySet()) {
            long start = byEnd.getKey() - windowMillis + 1;
            for (Map.Entry<Tuple3<String, String, String>, Held> w : byEnd.getValue().entrySet()) {
                if (w.getValue().changedSinceState) {
                    write(openState, new Window(w.getKey(), start), w.getValue());
                }
            }
        }
        for (Map.Entry<Window, Held> e : fired.entrySet()) {
            if (e.getValue().changedSinceState) {
                write(firedState, e.getKey(), e.getValue());
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

    /** Open windows, in the heap or keyed state (tests). */
    int openWindows() {
        return open.values().stream().mapToInt(Map::size).sum();
    }

    /** Open windows whose accumulator is in the heap (tests). */
    int openWindowsInHeap() {
        return openInHeap;
    }

    /** Fired windows kept for late decisions, in the heap or keyed state (tests). */
    int firedWindows() {
        return fired.size();
    }

    /** Fired windows whose accumulator is in the heap (tests). */
    int firedWindowsInHeap() {
        return firedInHeap;
    }
}
