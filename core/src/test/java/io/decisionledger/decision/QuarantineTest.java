package io.decisionledger.decision;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

class QuarantineTest {

    @Test
    void registersTheExpectedReasonsAtZeroAndOthersOnFirstUse() {
        // given a quarantine that expects two reasons
        RecordingGroup metrics = new RecordingGroup();
        Quarantine quarantine =
                new Quarantine(
                        metrics, EnumSet.of(ReasonCode.MALFORMED_JSON, ReasonCode.EMPTY_RECORD));

        // then both counters exist before any refusal, at 0
        assertThat(metrics.values())
                .containsOnly(
                        Map.entry("reason.MALFORMED_JSON.decisions_quarantined", 0L),
                        Map.entry("reason.EMPTY_RECORD.decisions_quarantined", 0L));

        // when refusals are counted, one of a reason it did not expect
        quarantine.count(ReasonCode.MALFORMED_JSON);
        quarantine.count(ReasonCode.MALFORMED_JSON);
        quarantine.count(ReasonCode.WRONG_TYPE);

        // then each counter was registered once and counts its reason
        assertThat(metrics.values())
                .containsOnly(
                        Map.entry("reason.MALFORMED_JSON.decisions_quarantined", 2L),
                        Map.entry("reason.EMPTY_RECORD.decisions_quarantined", 0L),
                        Map.entry("reason.WRONG_TYPE.decisions_quarantined", 1L));
        assertThat(metrics.registrations).doesNotHaveDuplicates().hasSize(3);
    }

    /** Records counter registrations by their scope-relative name. */
    private static final class RecordingGroup extends UnregisteredMetricsGroup {
        final Map<String, Counter> counters;
        final List<String> registrations;
        private final String prefix;

        RecordingGroup() {
            this(new LinkedHashMap<>(), new ArrayList<>(), "");
        }

        private RecordingGroup(
                Map<String, Counter> counters, List<String> registrations, String prefix) {
            this.counters = counters;
            this.registrations = registrations;
            this.prefix = prefix;
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new RecordingGroup(counters, registrations, prefix + key + "." + value + ".");
        }

        @Override
        public Counter counter(String name) {
            return counter(name, new SimpleCounter());
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            registrations.add(prefix + name);
            counters.put(prefix + name, counter);
            return counter;
        }

        Map<String, Long> values() {
            Map<String, Long> values = new LinkedHashMap<>();
            counters.forEach((k, v) -> values.put(k, v.getCount()));
            return values;
        }
    }
}
