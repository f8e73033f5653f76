package io.decisionledger.testing;

import io.decisionledger.decision.DecisionReader;
import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.decision.ParserLimits;
import io.decisionledger.decision.TenantBindings;
import io.decisionledger.testkit.SampleDecisions;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * A bounded, checkpointable source of decision events held in memory, read through the same {@link
 * DecisionReader} as the Kafka source: the pipeline tests' stand-in for the topic. Record {@code i}
 * gets the coordinates (topic, partition 0, offset i), so event ids derived from coordinates are
 * the ones a one-partition topic would give.
 */
public final class InMemoryDecisions {

    private InMemoryDecisions() {}

    public static DataGeneratorSource<ParsedDecision> source(
            String topic, List<SampleDecisions.Event> events, ParserLimits limits) {
        List<byte[]> values = new ArrayList<>(events.size());
        events.forEach(e -> values.add(e.value()));
        return sourceOfValues(topic, values, limits);
    }

    public static DataGeneratorSource<ParsedDecision> sourceOfValues(
            String topic, List<byte[]> values, ParserLimits limits) {
        // A trickle per checkpoint would be realistic but slow; files still roll at every
        // checkpoint of the test's environment.
        return sourceOfValues(topic, values, limits, RateLimiterStrategy.noOp());
    }

    /**
     * A source that reads at the pace {@code rate} allows. {@code RateLimiterStrategy
     * .perCheckpoint(parallelism)} makes each reader emit one record per completed checkpoint,
     * which orders records across channels: whatever a reader emitted before a checkpoint was
     * triggered has been processed everywhere before it emits anything after that checkpoint has
     * completed. The records are split into {@code parallelism} contiguous ranges, one per reader.
     */
    public static DataGeneratorSource<ParsedDecision> sourceOfValues(
            String topic, List<byte[]> values, ParserLimits limits, RateLimiterStrategy rate) {
        return sourceOfValues(topic, values, limits, null, rate);
    }

    /** As above, read through a {@link DecisionReader} that enforces {@code bindings} (or null). */
    public static DataGeneratorSource<ParsedDecision> sourceOfValues(
            String topic,
            List<byte[]> values,
            ParserLimits limits,
            TenantBindings bindings,
            RateLimiterStrategy rate) {
        return new DataGeneratorSource<>(
                new Reading(topic, new ArrayList<>(values), limits, bindings),
                values.size(),
                rate,
                TypeInformation.of(ParsedDecision.class));
    }

    private static final class Reading implements GeneratorFunction<Long, ParsedDecision> {
        private static final long serialVersionUID = 1L;

        private final String topic;
        private final ArrayList<byte[]> values;
        private final DecisionReader reader;

        Reading(
                String topic,
                ArrayList<byte[]> values,
                ParserLimits limits,
                TenantBindings bindings) {
            this.topic = topic;
            this.values = values;
            this.reader = new DecisionReader(limits, bindings);
        }

        @Override
        public void open(SourceReaderContext context) {
            reader.open(context.metricGroup());
        }

        @Override
        public ParsedDecision map(Long index) {
            int i = Math.toIntExact(index);
            return reader.read(values.get(i), topic, 0, i, System.currentTimeMillis());
        }
    }
}
