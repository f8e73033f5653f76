package io.decisionledger.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.testing.Proves;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.Period;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetentionPolicyTest {

    private static RetentionPolicy parse(String json) {
        return RetentionPolicy.parse(json.getBytes(StandardCharsets.UTF_8), "policy.json");
    }

    @Test
    void theShippedExampleParsesAndGivesEachTenantItsPeriod() {
        RetentionPolicy p =
                RetentionPolicy.load(
                        Path.of("../deploy/retention/retention-policy.json").toString());
        assertThat(p.version()).isEqualTo("2026-11-27.1");
        assertThat(p.periodOf("credit_union_12")).isEqualTo(Period.ofMonths(25));
        assertThat(p.periodOf("insurer_789")).isEqualTo(Period.ofYears(10));
        assertThat(p.periodOf("anyone_else")).isEqualTo(Period.ofYears(7));
        assertThat(p.periodOf(null)).isEqualTo(Period.ofYears(7));
        assertThat(p.shortest()).isEqualTo(Period.ofMonths(25));
    }

    @Test
    void aRepeatedKeyIsRefusedRatherThanTheLastOneWinning() {
        // {"default": "P7Y", ..., "default": "P6M"} must not quietly mean six months
        assertThatThrownBy(
                        () ->
                                parse(
                                        "{\"version\": \"v\", \"default\": \"P7Y\","
                                                + " \"default\": \"P6M\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("policy.json: a key is repeated ('default') at line 1");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "{\"version\": \"v\", \"default\": \"P7Y\", \"tenants\":"
                                                + " {\"bank_456\": \"P10Y\", \"bank_456\": \"P6M\"}}"))
                .hasMessageContaining("a key is repeated ('bank_456')");
    }

    @ParameterizedTest
    @CsvSource({
        // date, asOf, expired under P7Y: the cut is asOf minus seven years, exclusive
        "2019-03-19, 2026-03-20, true",
        "2019-03-20, 2026-03-20, false",
        "2026-03-19, 2026-03-20, false",
        "2019-02-28, 2026-02-28, false",
        "2019-02-27, 2026-02-28, true"
    })
    void aPartitionExpiresTheDayAfterItsPeriodRunsOut(String date, String asOf, boolean expired) {
        assertThat(
                        RetentionPolicy.defaults()
                                .expired("t", LocalDate.parse(date), LocalDate.parse(asOf)))
                .isEqualTo(expired);
    }

    @Test
    void defaultsToSevenYearsEverywhere() {
        assertThat(RetentionPolicy.defaults().periodOf("x")).isEqualTo(Period.ofYears(7));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"version\": \"v\", \"default\": \"P7D\"}|$.default is P7D, below the minimum of P6M",
                "{\"version\": \"v\", \"default\": \"P5M20D\"}|below the minimum of P6M",
                "{\"version\": \"v\", \"default\": \"P7Y\", \"tenants\": {\"t\": \"P1M\"}}|$.tenants.t is P1M, below",
                "{\"version\": \"v\", \"default\": \"seven years\"}|$.default must be an ISO-8601 period",
                "{\"version\": \"v\", \"default\": \"-P7Y\"}|below the minimum",
                "{\"default\": \"P7Y\"}|$.version is required",
                "{\"version\": \"v\"}|$.default is required",
                "{\"version\": \"v\", \"default\": \"P7Y\", \"tenant\": {}}|unknown key 'tenant'",
                "{\"version\": \"v\", \"default\": \"P7Y\", \"tenants\": [1]}|$.tenants must be an object",
                "{\"version\": \"v\", \"default\": \"P7Y\", \"tenants\": {\"t\": 7}}|$.tenants.t must be an ISO-8601 period",
                "[1]|must be a JSON object",
                "{\"version\": |not valid JSON"
            })
    void refusesABadPolicyNamingTheFileAndThePlace(String json, String message) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("policy.json: ")
                .hasMessageContaining(message);
    }

    @Test
    @Proves({"EU-AI-Act-Art-19", "EU-AI-Act-Art-26-6"})
    void sixMonthsIsTheShortestPeriodAccepted() {
        assertThat(parse("{\"version\": \"v\", \"default\": \"P6M\"}").defaultPeriod())
                .isEqualTo(Period.ofMonths(6));
    }

    @Test
    @Proves({"Reg-B-1002.12-b", "EU-AI-Act-Art-19", "EU-AI-Act-Art-26-6"})
    void aPeriodMayStateTheObligationsItServesAndPlainPeriodsInheritTheDefaults() {
        RetentionPolicy p =
                parse(
                        """
                        {"version": "v", "default": {"period": "P7Y", "obligations": [
                           {"regulation": "EU AI Act Art. 19/26(6)", "period": "P6M"}]},
                         "tenants": {"bank_456": {"period": "P7Y", "obligations": [
                           {"regulation": "Reg B (12 CFR 1002.12(b))", "period": "P25M"}]},
                           "insurer_789": "P10Y"}}
                        """);

        assertThat(p.periodOf("bank_456")).isEqualTo(Period.ofYears(7));
        assertThat(p.obligationsOf("bank_456"))
                .containsExactly(
                        new RetentionPolicy.Obligation(
                                "Reg B (12 CFR 1002.12(b))", Period.ofMonths(25)));
        assertThat(p.obligationsOf("insurer_789"))
                .containsExactly(
                        new RetentionPolicy.Obligation(
                                "EU AI Act Art. 19/26(6)", Period.ofMonths(6)));
        assertThat(p.periodOf("insurer_789")).isEqualTo(Period.ofYears(10));
        assertThat(p.obligationsOf("bank_456").get(0).endsFor(LocalDate.of(2025, 6, 15)))
                .isEqualTo(LocalDate.of(2027, 7, 16));
        // an old file (plain periods) states no obligation
        assertThat(parse("{\"version\": \"v\", \"default\": \"P7Y\"}").obligationsOf("x"))
                .isEmpty();
    }

    @Test
    void anObligationLongerThanItsRetentionPeriodIsRefused() {
        assertThatThrownBy(
                        () ->
                                parse(
                                        """
                                        {"version": "v", "default": "P7Y", "tenants": {"cu_12":
                                          {"period": "P2Y", "obligations": [
                                            {"regulation": "Reg B", "period": "P25M"}]}}}
                                        """))
                .hasMessage(
                        "policy.json: $.tenants.cu_12: obligation 'Reg B' (P25M) is longer than"
                                + " the retention period P2Y; retention would delete records the"
                                + " obligation requires kept");
        assertThatThrownBy(
                        () ->
                                parse(
                                        """
                                        {"version": "v", "default": {"period": "P7Y",
                                          "obligations": [{"regulation": "Reg B"}]}}
                                        """))
                .hasMessage("policy.json: $.default.obligations[0].period is required");
    }
}
