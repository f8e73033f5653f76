package io.decisionledger.replay;

import io.decisionledger.lake.ParquetScan;
import io.decisionledger.schema.DecisionRecord;
import java.io.FileNotFoundException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.Collector;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.io.api.Binary;

/**
 * Reads the planned decisions of one lake file, on the TaskManager: the replay's records come from
 * the lake here, not from the job graph ({@link ReplayPlan}). The file is read through {@link
 * ParquetScan} with the plan's event ids (and the tenant) as the predicate, so row groups without a
 * planned decision are skipped and only matching rows are decoded whole; each row is checked again
 * against the selection filter (tenant, event time, model version) and emitted as often as it was
 * planned.
 *
 * <p>A file that is gone, or that no longer holds every planned decision, fails the job with a
 * message naming the file and the counts (never a record): compaction or retention rewrote the
 * partition since the plan was made, and the replay must be planned again.
 */
public final class ReadSelectedDecisions extends RichFlatMapFunction<String, DecisionRecord> {
    private static final long serialVersionUID = 1L;

    private static final SpecificData MODEL = SpecificData.getForClass(DecisionRecord.class);

    private final ReplayOptions options;
    private final ReplayPlan plan;

    public ReadSelectedDecisions(ReplayOptions options, ReplayPlan plan) {
        this.options = options;
        this.plan = plan;
    }

    @Override
    public void flatMap(String file, Collector<DecisionRecord> out) throws Exception {
        List<String> ids = plan.eventIds(file);
        if (ids.isEmpty()) {
            return;
        }
        Map<String, Integer> wanted = new HashMap<>();
        Set<Binary> values = new HashSet<>();
        for (String id : ids) {
            wanted.merge(id, 1, Integer::sum);
            values.add(Binary.fromString(id));
        }
        FilterPredicate filter = FilterApi.in(FilterApi.binaryColumn("event_id"), values);
        if (options.tenant() != null) {
            filter =
                    FilterApi.and(
                            filter,
                            FilterApi.eq(
                                    FilterApi.binaryColumn("tenant_id"),
                                    Binary.fromString(options.tenant())));
        }
        Path path = new Path(file);
        FileStatus status;
        try {
            status = path.getFileSystem().getFileStatus(path);
        } catch (FileNotFoundException e) {
            throw new IllegalStateException(
                    "the planned lake file "
                            + file
                            + " is gone: compaction or retention rewrote its partition since the"
                            + " replay was planned; run the replay again");
        }
        int[] emitted = {0};
        ParquetScan.read(
                status,
                filter,
                MODEL,
                DecisionRecord.getClassSchema(),
                (DecisionRecord d) -> {
                    Integer left = wanted.get(d.getEventId());
                    if (left != null && left > 0 && ReplaySelection.selected(options, d)) {
                        wanted.put(d.getEventId(), left - 1);
                        emitted[0]++;
                        out.collect(d);
                    }
                    return true;
                });
        if (emitted[0] != ids.size()) {
            throw new IllegalStateException(
                    "the lake file "
                            + file
                            + " holds "
                            + emitted[0]
                            + " of the "
                            + ids.size()
                            + " decisions planned in it: it changed since the replay was planned;"
                            + " run the replay again");
        }
    }
}
