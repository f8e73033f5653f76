package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.monitoring.RunMetrics;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a finished verification pushes to monitoring: the common run gauges with the bytes it read
 * (as compaction reports them), its counts, and every violation kind.
 */
class VerifyRunMetricsTest {

    @Test
    void reportsBytesReadRecordsAndViolationsByKind() {
        // given a clean run that read 3 audit and 1 quarantine file, 12 345 678 bytes in all
        VerifyReport report =
                new VerifyReport(
                        "s3://lake/ledger",
                        null,
                        3,
                        600,
                        4,
                        4,
                        0,
                        Map.of("3", 600L),
                        Map.of(),
                        Map.of(),
                        List.of(),
                        2.5,
                        new VerifyReport.QuarantineCounts(true, 1, 7, 1, 1, 0, Map.of()),
                        Map.of(),
                        null,
                        12_345_678L);

        // when
        RunMetrics m = VerifyRunner.runMetrics(report, 0, 1_700_000_000_000L);

        // then
        assertThat(value(m, RunMetrics.BYTES_READ)).isEqualTo(12_345_678d);
        assertThat(value(m, RunMetrics.RECORDS)).isEqualTo(607d);
        assertThat(value(m, "decision_ledger_verify_files")).isEqualTo(4d);
        assertThat(value(m, RunMetrics.SUCCESS)).isEqualTo(1d);
        assertThat(m.samples())
                .filteredOn(s -> s.name().equals("decision_ledger_verify_violations_by_kind"))
                .hasSize(ViolationKind.values().length)
                .allMatch(s -> s.value() == 0);
        assertThat(m.exposition()).contains("decision_ledger_run_bytes_read{run=\"verify\"} ");
    }

    private static double value(RunMetrics m, String name) {
        return m.samples().stream()
                .filter(s -> s.name().equals(name))
                .mapToDouble(RunMetrics.Sample::value)
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " not reported"));
    }
}
