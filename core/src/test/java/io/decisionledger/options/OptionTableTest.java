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
}
