package io.decisionledger.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every stored format evolves compatibly: today's schema reads files written with every earlier
 * version kept in schemas/history (backward), and an earlier reader reads today's files (forward),
 * as Avro's own resolution rules define it.
 */
class SchemaCompatibilityTest {

    private static Schema load(String resource) throws IOException {
        try (InputStream in = SchemaCompatibilityTest.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new Schema.Parser().parse(in);
        }
    }

    @ParameterizedTest(name = "{0} v{1}")
    @CsvSource({
        "DecisionRecord, 1",
        "DecisionRecord, 2",
        "DecisionRecord, 3",
        "QuarantineRecord, 1",
        "ChainHead, 1",
        "RetentionSummary, 1",
        "ChainAnchor, 1",
        "AccessLogEntry, 1"
    })
    void currentSchemaReadsAndIsReadByAnEarlierVersion(String name, int version)
            throws IOException {
        Schema current = load("/avro/" + name + ".avsc");
        Schema earlier = load("/avro-history/" + name + "-v" + version + ".avsc");

        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, earlier).getType())
                .as("today's reader on v%d files", version)
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(earlier, current).getType())
                .as("a v%d reader on today's files", version)
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @ParameterizedTest(name = "{0} v{1}")
    @CsvSource({
        "DecisionRecord, 1",
        "DecisionRecord, 2",
        "DecisionRecord, 3",
        "QuarantineRecord, 1",
        "ChainHead, 1",
        "RetentionSummary, 1",
        "ChainAnchor, 1",
        "AccessLogEntry, 1"
    })
    void onlyAppendsFieldsSoColumnPositionsOfEarlierVersionsStay(String name, int version)
            throws IOException {
        Schema current = load("/avro/" + name + ".avsc");
        Schema earlier = load("/avro-history/" + name + "-v" + version + ".avsc");

        for (int i = 0; i < earlier.getFields().size(); i++) {
            assertThat(current.getFields().get(i).name())
                    .isEqualTo(earlier.getFields().get(i).name());
        }
    }
}
