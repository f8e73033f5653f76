package io.decisionledger.bench.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.decision.DecisionParser;
import io.decisionledger.decision.ParseOutcome;
import io.decisionledger.decision.ParserLimits;
import io.decisionledger.decision.ReasonCode;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The benchmark input is only meaningful if the jobs' own parser agrees with the generator about
 * every record: the valid ones are accepted, each malformed one is refused for its stated reason.
 */
class DecisionEventGeneratorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant INGEST_TIME = Instant.parse("2026-01-01T00:00:00Z");

    private static final EventMix MIX =
            new EventMix(
                    7,
                    6_000,
                    EventMix.DEFAULT_TENANTS,
                    EventMix.DEFAULT_ZIPF_EXPONENT,
                    0.03,
                    0.03,
                    0.1,
                    EventMix.DEFAULT_START,
                    EventMix.DEFAULT_SPAN);

    private static final List<GeneratedEvent> EVENTS = DecisionEventGenerator.generate(MIX);

    @Test
    void theBenchmarksPoolIsEveryValidEventParsedInOrder() {
        // given the pool the per-record benchmarks cycle through
        List<GeneratedEvent> valid = DecisionEventGenerator.generate(EventMix.validOnly(42, 300));

        // when it is parsed
        List<io.decisionledger.schema.DecisionRecord> parsed =
                DecisionEventGenerator.parsedValid(42, 300);

        // then every event is valid and parsed, in order, at its own offset
        assertThat(valid).extracting(GeneratedEvent::kind).containsOnly(GeneratedEvent.Kind.VALID);
        assertThat(parsed).hasSize(300);
        for (int i = 0; i < parsed.size(); i++) {
            assertThat(parsed.get(i).getEventId()).isEqualTo(valid.get(i).eventId());
            assertThat(parsed.get(i).getSourceOffset()).isEqualTo(i);
        }
    }

    @Test
    void validEventsAreAcceptedByTheJobsParser() {
        // given the jobs' parser with its production limits
        DecisionParser parser = new DecisionParser(ParserLimits.defaults());

        // when every valid event is parsed
        for (GeneratedEvent e : kind(GeneratedEvent.Kind.VALID)) {
            ParseOutcome outcome = parser.parse(e.value(), "bench", 0, 0, INGEST_TIME);

            // then it is accepted with the generator's tenant and event id
            assertThat(outcome.isAccepted()).as(outcome.toString()).isTrue();
            assertThat(outcome.decision().getTenantId()).isEqualTo(e.tenantId());
            assertThat(outcome.decision().getEventId()).isEqualTo(e.eventId());
        }
    }

    @Test
    void malformedRecordsAreRefusedForTheirStatedReason() {
        DecisionParser parser = new DecisionParser(ParserLimits.defaults());
        Map<ReasonCode, Integer> perReason = new TreeMap<>();
        for (GeneratedEvent e : kind(GeneratedEvent.Kind.MALFORMED)) {
            ParseOutcome outcome = parser.parse(e.value(), "bench", 0, 0, INGEST_TIME);

            assertThat(outcome.isAccepted()).isFalse();
            assertThat(outcome.reason()).as(outcome.toString()).isEqualTo(e.expectedReason());
            perReason.merge(e.expectedReason(), 1, Integer::sum);
        }
        // every kind of fault occurs
        assertThat(perReason.keySet())
                .contains(
                        ReasonCode.MALFORMED_JSON,
                        ReasonCode.EMPTY_RECORD,
                        ReasonCode.INVALID_UTF8,
                        ReasonCode.NOT_A_JSON_OBJECT,
                        ReasonCode.MISSING_FIELD,
                        ReasonCode.INVALID_TENANT_ID,
                        ReasonCode.VALUE_OUT_OF_RANGE,
                        ReasonCode.WRONG_TYPE,
                        ReasonCode.INVALID_TIMESTAMP,
                        ReasonCode.UNKNOWN_EVENT_TYPE);
    }

    @Test
    void duplicatesResendAnEarlierValidEventByteForByte() {
        Map<String, byte[]> seen = new HashMap<>();
        int duplicates = 0;
        for (GeneratedEvent e : EVENTS) {
            if (e.kind() == GeneratedEvent.Kind.VALID) {
                assertThat(seen.put(e.eventId(), e.value())).as("event ids are unique").isNull();
            } else if (e.kind() == GeneratedEvent.Kind.DUPLICATE) {
                assertThat(seen).containsKey(e.eventId());
                assertThat(e.value()).isEqualTo(seen.get(e.eventId()));
                assertThat(e.key()).isEqualTo(e.tenantId() + ":" + e.eventId());
                duplicates++;
            }
        }
        assertThat(duplicates).isBetween(120, 240);
        assertThat(kind(GeneratedEvent.Kind.MALFORMED)).hasSizeBetween(120, 240);
    }

    @Test
    void eventsAreAboutTwoKilobytesWithTheDocumentedShape() throws IOException {
        List<GeneratedEvent> valid = kind(GeneratedEvent.Kind.VALID);
        double averageBytes = valid.stream().mapToInt(e -> e.value().length).average().orElse(0);
        assertThat(averageBytes).isBetween(1800.0, 2400.0);

        for (GeneratedEvent e : valid.subList(0, 200)) {
            JsonNode ai = JSON.readTree(e.value()).get("aiInteraction");
            assertThat(ai.get("context").get("relevantDocuments")).hasSize(3);
            assertThat(ai.get("context").get("userHistory").size()).isBetween(1, 4);
            assertThat(ai.get("context").get("metadata").size()).isBetween(4, 8);
            assertThat(ai.get("systemPrompt").asText()).isNotBlank();
            // the response content is the model's JSON decision
            JsonNode content = JSON.readTree(ai.get("response").get("content").asText());
            assertThat(content.get("approved").asBoolean())
                    .isEqualTo(ai.get("decision").get("approved").asBoolean());
        }
    }

    @Test
    void tenantsAreSkewedAndSeveralModelVersionsAreInUse() throws IOException {
        Map<String, Integer> perTenant = new HashMap<>();
        Set<String> versions = new HashSet<>();
        for (GeneratedEvent e : kind(GeneratedEvent.Kind.VALID)) {
            perTenant.merge(e.tenantId(), 1, Integer::sum);
            versions.add(
                    JSON.readTree(e.value()).get("aiInteraction").get("modelVersion").asText());
        }
        List<String> tenants = new DecisionEventGenerator(MIX).tenantIds();
        int first = perTenant.get(tenants.get(0));
        int tenth = perTenant.getOrDefault(tenants.get(9), 0);
        assertThat(perTenant.size()).isGreaterThan(40);
        assertThat(first).isGreaterThan(5 * tenth);
        assertThat(versions).hasSizeGreaterThanOrEqualTo(5);
    }

    @Test
    void someTimestampsAreOutOfOrderAndSpanSeveralDays() throws IOException {
        int late = 0;
        Instant previous = Instant.MIN;
        Set<LocalDate> dates = new HashSet<>();
        for (GeneratedEvent e : kind(GeneratedEvent.Kind.VALID)) {
            Instant t = Instant.parse(JSON.readTree(e.value()).get("timestamp").asText());
            if (t.isBefore(previous)) {
                late++;
            } else {
                previous = t;
            }
            dates.add(LocalDate.ofInstant(t, ZoneOffset.UTC));
        }
        assertThat(late).isBetween(300, 900);
        assertThat(dates.size()).isBetween(3, 5);
    }

    @Test
    void theSameSeedMakesTheSameBytes() {
        List<GeneratedEvent> again = DecisionEventGenerator.generate(MIX);
        assertThat(again).hasSameSizeAs(EVENTS);
        for (int i = 0; i < EVENTS.size(); i++) {
            assertThat(again.get(i).value()).isEqualTo(EVENTS.get(i).value());
            assertThat(again.get(i).key()).isEqualTo(EVENTS.get(i).key());
        }
        List<GeneratedEvent> other = DecisionEventGenerator.generate(withSeed(8));
        assertThat(other.get(0).value()).isNotEqualTo(EVENTS.get(0).value());
    }

    private static EventMix withSeed(long seed) {
        return new EventMix(
                seed,
                MIX.count(),
                MIX.tenants(),
                MIX.zipfExponent(),
                MIX.malformedFraction(),
                MIX.duplicateFraction(),
                MIX.outOfOrderFraction(),
                MIX.start(),
                MIX.span());
    }

    private static List<GeneratedEvent> kind(GeneratedEvent.Kind kind) {
        return EVENTS.stream().filter(e -> e.kind() == kind).toList();
    }
}
