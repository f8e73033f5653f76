package io.decisionledger.metrics;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * Local pre-aggregation in front of a metrics window operator: decisions of the same tenant × model
 * × model version and window are folded into one {@link MetricsAccumulator} in this operator's heap
 * (chained to where the decisions are made, before the keyed shuffle), and one {@link
 * MetricsPartial} per key and window crosses the shuffle instead of every decision. The window
 * operator then reads and writes its keyed state (RocksDB: the accumulator with its HLL sketch,
 * deserialised and serialised on every access) once per partial instead of once per decision.
 *
 * <p>What the window operator sees is unchanged in everything but the number of elements:
 *
 * <ul>
 *   <li>a window's decisions are emitted before the watermark that passes its end is forwarded, so
 *       the window fires with all of them, at the same watermark as before;
 *   <li>a decision whose window the forwarded watermark has already passed (late: a correction, or
 *       too late) is not held: it goes on alone, with its event id, exactly as before, so each late
 *       decision still makes its own correction row, and a too-late one is recorded by id;
 *   <li>nothing is kept across a checkpoint: everything held is emitted before the barrier ({@link
 *       #prepareSnapshotPreBarrier}), so the operator has no state and a savepoint taken before it
 *       existed restores (the window operators' uids and state are unchanged);
 *   <li>everything held is emitted when the input goes idle (so an idle source cannot hold rows
 *       back) or ends, and when more than {@link #MAX_HELD} windows are held (bounded heap in a
 *       batch rebuild, which sees no watermark until the end).
 * </ul>
 *
 * <p>The accumulator is order-free and merges exactly ({@link MetricsAccumulator}), so the rows are
 * identical to those of the decisions sent one by one.
 */
public final class PreAggregateMetrics extends AbstractStreamOperator<MetricsPartial>
        implements OneInputStreamOperator<DecisionFacts, MetricsPartial> {
    private static final long serialVersionUID = 1L;

    /**
     * Windows held at most (per subtask and granularity) before all are emitted early: an
     * accumulator is 0.1 to 5 KB, so at most about 20 MB.
     */
    static final int MAX_HELD = 4096;

    private final long windowMillis;

    /** The windows being accumulated, by key and window start. */
    private transient Map<Held, MetricsAccumulator> held;

    /** The smallest window end (max timestamp) held, Long.MAX_VALUE when none. */
    private transient long earliestHeldEnd;

    /** The last watermark forwarded: windows ending at or before it have fired downstream. */
    private transient long forwardedWatermark;

    public PreAggregateMetrics(Granularity granularity) {
        this.windowMillis = granularity.length().toMillis();
    }

    /** A key and window: the unit one partial covers. */
    private record Held(String tenantId, String model, String modelVersion, long windowStart) {}

    @Override
    public void open() throws Exception {
        super.open();
        held = new HashMap<>();
        earliestHeldEnd = Long.MAX_VALUE;
        forwardedWatermark = Long.MIN_VALUE;
    }

    @Override
    public void processElement(StreamRecord<DecisionFacts> element) {
        if (!element.hasTimestamp()) {
            throw new IllegalStateException(
                    "a decision reached the metrics windows without an event-time timestamp: the"
                            + " source must assign event time (MetricsWatermarks)");
        }
        long timestamp = element.getTimestamp();
        long start = TimeWindow.getWindowStartWithOffset(timestamp, 0, windowMillis);
        long end = lastMillis(start);
        DecisionFacts f = element.getValue();
        if (end <= forwardedWatermark) {
            output.collect(new StreamRecord<>(MetricsPartial.of(f), timestamp));
            return;
        }
        held.computeIfAbsent(
                        new Held(f.tenantId, f.model, f.modelVersion, start),
                        k -> new MetricsAccumulator())
                .add(f);
        earliestHeldEnd = Math.min(earliestHeldEnd, end);
        if (held.size() > MAX_HELD) {
            emitUpTo(Long.MAX_VALUE);
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (mark.getTimestamp() >= earliestHeldEnd) {
            emitUpTo(mark.getTimestamp());
        }
        forwardedWatermark = Math.max(forwardedWatermark, mark.getTimestamp());
        super.processWatermark(mark);
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        if (status.isIdle()) {
            emitUpTo(Long.MAX_VALUE);
        }
        super.processWatermarkStatus(status);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        emitUpTo(Long.MAX_VALUE);
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void finish() throws Exception {
        emitUpTo(Long.MAX_VALUE);
        super.finish();
    }

    /** The window's last millisecond: its partials' timestamp, and the watermark that closes it. */
    private long lastMillis(long windowStart) {
        return windowStart + windowMillis - 1;
    }

    /** Emits (and forgets) every held window ending at or before {@code watermark}. */
    private void emitUpTo(long watermark) {
        long earliest = Long.MAX_VALUE;
        Iterator<Map.Entry<Held, MetricsAccumulator>> it = held.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Held, MetricsAccumulator> e = it.next();
            Held h = e.getKey();
            long end = lastMillis(h.windowStart());
            if (end <= watermark) {
                output.collect(
                        new StreamRecord<>(
                                MetricsPartial.of(
                                        h.tenantId(), h.model(), h.modelVersion(), e.getValue()),
                                end));
                it.remove();
            } else {
                earliest = Math.min(earliest, end);
            }
        }
        earliestHeldEnd = earliest;
    }

    /** Windows held now (tests). */
    int heldWindows() {
        return held.size();
    }
}
