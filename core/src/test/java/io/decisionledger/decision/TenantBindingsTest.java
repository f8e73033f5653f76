package io.decisionledger.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenant bindings: the strict file format, which records they allow, and the reader quarantining
 * the others as TENANT_NOT_ALLOWED.
 */
class TenantBindingsTest {

    @TempDir Path dir;

    private static final String BINDINGS =
            "{\"topics\":{\"decisions-bank\":[\"bank_456\"],\"decisions-shared\":[\"*\"]},"
                    + "\"producers\":{\"scoring\":[\"bank_456\",\"insurer_789\"]}}";

    @Test
    void allowsOnlyTheTenantsBoundToTheTopicAndProducer() {
        TenantBindings b = TenantBindings.parse(BINDINGS, "test");

        assertThat(b.refusal("decisions-bank", "scoring", "bank_456")).isNull();
        assertThat(b.refusal("decisions-shared", "scoring", "insurer_789")).isNull();
        assertThat(b.refusal("decisions-bank", "scoring", "insurer_789"))
                .isEqualTo("tenant not bound to topic decisions-bank");
        assertThat(b.refusal("decisions-other", "scoring", "bank_456"))
                .isEqualTo("topic decisions-other is not in the tenant bindings");
        assertThat(b.refusal("decisions-shared", "scoring", "other_bank"))
                .isEqualTo("tenant not bound to producer scoring");
        assertThat(b.refusal("decisions-bank", null, "bank_456"))
                .isEqualTo("no producer-id header; the tenant bindings require one");
        assertThat(b.refusal("decisions-bank", "someone-else", "bank_456"))
                .isEqualTo("producer in the producer-id header is not in the tenant bindings");
        // a card without a tenant applies to every tenant: it needs "*"
        assertThat(b.refusal("decisions-bank", "scoring", null)).isNotNull();
    }

    @Test
    void topicBindingsAloneNeedNoHeader() {
        TenantBindings b =
                TenantBindings.parse("{\"topics\":{\"decisions\":[\"bank_456\"]}}", "test");

        assertThat(b.bindsProducers()).isFalse();
        assertThat(b.refusal("decisions", null, "bank_456")).isNull();
        assertThat(b.refusal("decisions", null, "insurer_789")).isNotNull();
    }

    @Test
    void refusesAFileThatIsNotExactlyAsDocumented() {
        assertThatThrownBy(
                        () ->
                                TenantBindings.parse(
                                        "{\"topics\":{\"d\":[\"bank_456\"],\"d\":[\"insurer_789\"]}}",
                                        "f.json"))
                .hasMessageContaining("f.json")
                .hasMessageContaining("a key is repeated ('d')");
        assertThatThrownBy(() -> TenantBindings.parse("{\"topic\":{\"d\":[\"a\"]}}", "f.json"))
                .hasMessageContaining("unknown member 'topic'");
        assertThatThrownBy(() -> TenantBindings.parse("{}", "f.json"))
                .hasMessageContaining("binds nothing");
        assertThatThrownBy(() -> TenantBindings.parse("{\"topics\":{\"d\":[]}}", "f.json"))
                .hasMessageContaining("topics.d must be a non-empty array");
        assertThatThrownBy(() -> TenantBindings.parse("{\"topics\":{\"d\":[\"a/b\"]}}", "f.json"))
                .hasMessageContaining("not a valid tenant id");
        assertThatThrownBy(() -> TenantBindings.parse("{\"topics\":{\"d\":[\"a\"]}} {}", "f"))
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> TenantBindings.load(dir.resolve("missing.json")))
                .hasMessageContaining("cannot read");
    }

    @Test
    void loadsAFile() throws IOException {
        Path file = dir.resolve("bindings.json");
        Files.writeString(file, BINDINGS);

        TenantBindings b = TenantBindings.load(file);

        assertThat(b.source()).isEqualTo(file.toString());
        assertThat(b.producerHeader()).isEqualTo("producer-id");
    }

    @Test
    void theReaderQuarantinesARecordForAnotherTenant() {
        byte[] loan = resource("/events/loan-decision.json");
        String tenant = tenantOf(loan);
        DecisionReader reader =
                new DecisionReader(
                        ParserLimits.defaults(),
                        TenantBindings.parse(
                                "{\"topics\":{\"decisions\":[\"" + tenant + "\"]}}", "test"));
        reader.open(new UnregisteredMetricsGroup());

        ParsedDecision allowed = reader.read(loan, "decisions", 0, 1, 0L);
        ParsedDecision refused = reader.read(loan, "decisions-other", 0, 2, 0L);

        assertThat(allowed.isAccepted()).isTrue();
        assertThat(refused.isAccepted()).isFalse();
        assertThat(refused.rejected.getReasonCode()).isEqualTo("TENANT_NOT_ALLOWED");
        assertThat(refused.rejected.getTenantId()).isEqualTo(tenant);
        assertThat(refused.rejected.getDetail())
                .isEqualTo("topic decisions-other is not in the tenant bindings");
        assertThat(refused.rejected.getRaw().array()).isEqualTo(loan);
    }

    @Test
    void theReaderChecksTheProducerHeaderAndModelCards() {
        byte[] loan = resource("/events/loan-decision.json");
        String tenant = tenantOf(loan);
        byte[] card =
                ("{\"eventId\":\"mv-1\",\"eventType\":\"MODEL_VERSION_REGISTERED\","
                                + "\"timestamp\":\"2026-03-01T09:00:00Z\",\"tenantId\":\"other_bank\","
                                + "\"modelMetadata\":{\"modelName\":\"m\",\"version\":\"v1\"}}")
                        .getBytes(StandardCharsets.UTF_8);
        DecisionReader reader =
                new DecisionReader(
                        ParserLimits.defaults(),
                        TenantBindings.parse(
                                "{\"producers\":{\"scoring\":[\"" + tenant + "\"]}}", "test"));
        reader.open(new UnregisteredMetricsGroup());

        assertThat(reader.read(loan, "decisions", 0, 1, 0L, "scoring").isAccepted()).isTrue();
        assertThat(reader.read(loan, "decisions", 0, 2, 0L, "intruder").rejected.getReasonCode())
                .isEqualTo("TENANT_NOT_ALLOWED");
        assertThat(reader.read(loan, "decisions", 0, 3, 0L).rejected.getReasonCode())
                .isEqualTo("TENANT_NOT_ALLOWED");
        ParsedDecision refusedCard = reader.read(card, "decisions", 0, 4, 0L, "scoring");
        assertThat(refusedCard.isCard()).isFalse();
        assertThat(refusedCard.rejected.getReasonCode()).isEqualTo("TENANT_NOT_ALLOWED");
        assertThat(refusedCard.rejected.getDetail()).startsWith("model card: ");
    }

    @Test
    void withoutBindingsEveryTenantIsAccepted() {
        byte[] loan = resource("/events/loan-decision.json");
        DecisionReader reader = new DecisionReader(ParserLimits.defaults());
        reader.open(new UnregisteredMetricsGroup());

        assertThat(reader.read(loan, "any-topic", 0, 1, 0L).isAccepted()).isTrue();
    }

    private static String tenantOf(byte[] event) {
        String text = new String(event, StandardCharsets.UTF_8);
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\"tenantId\"\\s*:\\s*\"([^\"]+)\"").matcher(text);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static byte[] resource(String name) {
        try (InputStream in = TenantBindingsTest.class.getResourceAsStream(name)) {
            assertThat(in).as("test resource %s", name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
