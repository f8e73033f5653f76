package io.decisionledger.options;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class OptionTableTest {

    private static OptionTable table(boolean kafka) {
        return new OptionTable(kafka)
                .add("lake", "file:///tmp/lake", "Lake root.")
                .add("bounded", "false", "Stop at the end.")
                .add("interval", "PT1M", "Checkpoint interval.")
                .add("tenant", "", "One tenant.")
                .add("date", "", "One day.");
    }

    @Test
    void readsBothFormsBareFlagsDefaultsAndTheLastOccurrence() {
        OptionTable.Parsed p =
                table(false)
                        .parse("--lake", "s3://b/l", "--bounded", "--interval=PT5S", "--lake=x");

        assertThat(p.value("lake")).isEqualTo("x");
        assertThat(p.bool("bounded")).isTrue();
        assertThat(p.duration("interval")).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.optional("tenant")).isNull();
        assertThat(p.value("tenant")).isEmpty();
        assertThat(p.date("date")).isNull();
        assertThat(table(false).parse("--date", "2026-03-15").date("date"))
                .isEqualTo(LocalDate.of(2026, 3, 15));
    }

    @Test
    void passesKafkaPropertiesThroughOnlyWhenAsked() {
        OptionTable.Parsed p = table(true).parse("--kafka.security.protocol", "SASL_SSL");
        assertThat(p.kafkaProperties().getProperty("security.protocol")).isEqualTo("SASL_SSL");

        assertThatThrownBy(() -> table(false).parse("--kafka.security.protocol", "SASL_SSL"))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("unknown option --kafka.security.protocol");
    }

    @Test
    void namesTheOptionAndTheExpectedFormWhenAValueIsWrong() {
        assertThatThrownBy(() -> table(false).parse("--lakes", "x"))
                .hasMessage(
                        "unknown option --lakes; known options: bounded, date, interval, lake,"
                                + " tenant");
        assertThatThrownBy(() -> table(false).parse("lake"))
                .hasMessageContaining("options look like --name value");
        assertThatThrownBy(() -> table(false).parse("--bounded", "yes").bool("bounded"))
                .hasMessage("--bounded must be true or false");
        assertThatThrownBy(() -> table(false).parse("--interval", "5s").duration("interval"))
                .hasMessageContaining("--interval must be an ISO-8601 duration");
        assertThatThrownBy(() -> table(false).parse("--interval", "PT0S").duration("interval"))
                .hasMessage("--interval must be positive");
        assertThat(table(false).parse("--interval", "PT0S").duration("interval", true)).isZero();
        assertThatThrownBy(() -> table(false).parse("--lake", " ").value("lake"))
                .hasMessage("--lake must not be empty");
        assertThatThrownBy(() -> table(false).parse("--date", "15.03.2026").date("date"))
                .hasMessage("--date must be a date such as 2026-03-15");
    }

    @Test
    void helpListsEveryOptionWithItsDefaultAndDeclaringTwiceFails() {
        String help = table(true).help("Header\n\n");

        assertThat(help)
                .startsWith("Header\n\n")
                .contains("--lake", "default: file:///tmp/lake", "default: (none)")
                .contains("kafka.<property> <value>");
        assertThatThrownBy(() -> table(false).add("lake", "", "again"))
                .isInstanceOf(IllegalStateException.class);
        assertThat(OptionTable.wantsHelp(new String[] {"--lake", "x", "-h"})).isTrue();
    }

    @Test
    void flagsNeverTakeTheNextArgumentAndPositionalsAreKeptInOrder() {
        OptionTable t =
                new OptionTable()
                        .flag("json", "JSON.")
                        .add("lake", "", "Lake.")
                        .positionals("FILE", "A file.");

        OptionTable.Parsed p = t.parse("--json", "a.zip", "--lake", "x", "b.zip");

        assertThat(p.bool("json")).isTrue();
        assertThat(p.positionals()).containsExactly("a.zip", "b.zip");
        assertThat(p.given("lake")).isTrue();
        assertThat(t.parse("--json=false").bool("json")).isFalse();
        assertThat(t.parse().bool("json")).isFalse();
    }

    @Test
    void requiredOptionsAndRefusedRepeatsNameTheOption() {
        OptionTable t = new OptionTable().required("tenant", "Tenant.").repeatsRefused();

        assertThatThrownBy(() -> t.parse().value("tenant"))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessage("--tenant is required");
        assertThatThrownBy(() -> t.parse("--tenant", "a", "--tenant", "b"))
                .hasMessage("--tenant is given twice");
        assertThat(t.help("")).contains("--tenant", "required");
    }

    @Test
    void passesWhatItDoesNotKnowThroughVerbatimAndInOrder() {
        OptionTable t =
                new OptionTable()
                        .add("jar", "", "Jar.")
                        .flag("no-wait", "Do not wait.")
                        .passThrough("Job options.", false);

        OptionTable.Parsed p =
                t.parse("--topic", "loans", "--jar", "j.jar", "--bounded", "--no-wait", "-m", "x");

        assertThat(p.value("jar")).isEqualTo("j.jar");
        assertThat(p.bool("no-wait")).isTrue();
        assertThat(p.passedThrough()).containsExactly("--topic", "loans", "--bounded", "-m", "x");
        assertThat(t.helpWanted(new String[] {"--help"})).isTrue();
        assertThat(new OptionTable().passThrough("All.", true).helpWanted(new String[] {"-h"}))
                .isFalse();
    }

    @Test
    void readsChoicesInAnyCaseAndRendersOptionsBackAsArguments() {
        OptionTable t = new OptionTable().add("offsets", "committed", "Where to start.");

        assertThat(t.parse("--offsets", "Earliest").choice("offsets", Start.class))
                .isEqualTo(Start.EARLIEST);
        assertThatThrownBy(() -> t.parse("--offsets", "newest").choice("offsets", Start.class))
                .hasMessage("--offsets must be one of committed, earliest, not newest");
        assertThat(OptionTable.args(java.util.Map.of("offsets", "latest")))
                .containsExactly("--offsets=latest");
    }

    enum Start {
        COMMITTED,
        EARLIEST
    }
}
