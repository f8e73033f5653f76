package io.decisionledger.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The PromQL selector extractor MonitoringITCase relies on, on the shapes the dashboards use. */
class PromQlSelectorsTest {

    private static List<String> selectors(String expr) {
        return PromQlSelectors.parse(expr).selectors().stream()
                .map(PromQlSelectors.Selector::toString)
                .toList();
    }

    @Test
    void findsSelectorsInsideFunctionsAggregationsAndRanges() {
        String expr =
                "sum by (reason) (rate(flink_taskmanager_job_task_operator_decisions_quarantined"
                        + "{job_name=\"decision-ledger ingest\"}[$__rate_interval]))";
        assertThat(selectors(expr))
                .containsExactly(
                        "flink_taskmanager_job_task_operator_decisions_quarantined"
                                + "{job_name=\"decision-ledger ingest\"}");
        assertThat(PromQlSelectors.parse(expr).groupingLabels()).containsExactly("reason");
    }

    @Test
    void findsBareSelectorsAndSkipsNumbersDurationsOffsetsAndKeywords() {
        String expr =
                "increase(flink_jobmanager_job_numRestarts[15m] offset 5m) > 2 and on (job_name)"
                        + " flink_jobmanager_job_uptime > 1e3 or vector(0) unless bool 2.5";
        assertThat(selectors(expr))
                .containsExactly("flink_jobmanager_job_numRestarts", "flink_jobmanager_job_uptime");
        assertThat(PromQlSelectors.parse(expr).groupingLabels()).containsExactly("job_name");
    }

    @Test
    void readsEveryMatcherOperatorAndEscapedValues() {
        PromQlSelectors.Selector s =
                PromQlSelectors.parse(
                                "max without (subtask_index) (x_y{a=\"1\", b!=\"2\",c=~\"d.*\","
                                        + " e !~ \"f\\\"g\"})")
                        .selectors()
                        .get(0);
        assertThat(s.metric()).isEqualTo("x_y");
        assertThat(s.matchers())
                .containsExactly(
                        new PromQlSelectors.Matcher("a", "=", "1"),
                        new PromQlSelectors.Matcher("b", "!=", "2"),
                        new PromQlSelectors.Matcher("c", "=~", "d.*"),
                        new PromQlSelectors.Matcher("e", "!~", "f\"g"));
        assertThat(s.matches("x_y", Map.of("a", "1", "c", "dx", "e", "h"))).isTrue();
        assertThat(s.matches("x_y", Map.of("a", "1", "b", "2", "c", "dx"))).isFalse();
        assertThat(s.matches("x_y", Map.of("a", "1", "c", "xd"))).isFalse();
        assertThat(s.matches("x_z", Map.of("a", "1", "c", "dx"))).isFalse();
    }

    @Test
    void readsNameMatchersAndTreatsDashboardVariablesAsAnyValue() {
        PromQlSelectors.Selector s =
                PromQlSelectors.parse("time() - {__name__=\"m\", tenant=~\"$tenant\"} * 1000")
                        .selectors()
                        .get(0);
        assertThat(s.metric()).isEqualTo("m");
        assertThat(s.matches("m", Map.of("tenant", "bank_456"))).isTrue();
        assertThat(s.matches("m", Map.of())).isTrue();
    }

    @Test
    void joinsAndGroupSidesAreGroupingLabels() {
        assertThat(
                        PromQlSelectors.parse("a * on (job_id) group_left (job_name) b{c=\"d\"}")
                                .groupingLabels())
                .containsExactly("job_id", "job_name");
        assertThat(selectors("a * on (job_id) group_left (job_name) b{c=\"d\"}"))
                .containsExactly("a", "b{c=\"d\"}");
    }

    @Test
    void refusesWhatItCannotRead() {
        assertThatThrownBy(() -> PromQlSelectors.parse("x{a=\"1\""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PromQlSelectors.parse("{a=\"1\"}"))
                .hasMessageContaining("without metric name");
    }

    @Test
    void parsesTheTextExpositionFormat() {
        List<PrometheusText.Series> series =
                PrometheusText.parse(
                        "# HELP x help\n# TYPE x gauge\nx{a=\"b\\\"c\",d=\"e\"} 1.5\ny 2 1700000000\n"
                                + "z{} +Inf\n");
        assertThat(series)
                .containsExactly(
                        new PrometheusText.Series("x", Map.of("a", "b\"c", "d", "e"), 1.5),
                        new PrometheusText.Series("y", Map.of(), 2),
                        new PrometheusText.Series("z", Map.of(), Double.POSITIVE_INFINITY));
    }
}
