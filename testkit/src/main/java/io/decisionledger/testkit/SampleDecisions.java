package io.decisionledger.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.decision.ReasonCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A realistic, deterministic sample of loan-underwriting decision events for the demo and the
 * tests: several tenants and model versions, event times spread over the last days, plus malformed
 * records (one of each kind below, cycling) and exact re-sends of earlier events, as producer
 * retries would make them. It knows what the ingest job must make of it.
 */
public final class SampleDecisions {

    public static final List<String> TENANTS =
            List.of("bank_456", "insurer_789", "credit_union_12");
    public static final List<String> MODEL_VERSIONS =
            List.of("gpt-4o-2024-05-13", "gpt-4o-2024-08-06");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One Kafka record value, with the event id when it is a valid event. */
    public record Event(String key, byte[] value, String tenantId, String eventId) {}

    /**
     * The records in production order, and what the ingest job must store: accepted events per
     * tenant and quarantined records per reason.
     */
    public record Sample(
            List<Event> events,
            List<Event> valid,
            Map<String, Long> acceptedPerTenant,
            Map<ReasonCode, Long> quarantinedPerReason) {
        public long acceptedTotal() {
            return valid.size();
        }

        public long quarantinedTotal() {
            return quarantinedPerReason.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private SampleDecisions() {}

    /**
     * @param seed makes the sample reproducible
     * @param valid number of distinct valid events
     * @param malformed number of malformed records
     * @param duplicates number of re-sends of earlier valid events (same bytes)
     * @param now the latest event time; events spread over the three days before it
     */
    public static Sample generate(
            long seed, int valid, int malformed, int duplicates, Instant now) {
        Random random = new Random(seed);
        List<Event> validEvents = new ArrayList<>(valid);
        Map<String, Long> perTenant = new TreeMap<>();
        for (int i = 0; i < valid; i++) {
            String tenant = TENANTS.get(skewedIndex(random, TENANTS.size()));
            Instant time =
                    now.minus(Duration.ofSeconds(random.nextInt(3 * 24 * 3600)))
                            .truncatedTo(ChronoUnit.MILLIS);
            String eventId = String.format("evt-%d-%08d", seed, i);
            byte[] value = decisionJson(random, eventId, tenant, time, i);
            validEvents.add(new Event(tenant + ":" + eventId, value, tenant, eventId));
            perTenant.merge(tenant, 1L, Long::sum);
        }
        List<Event> all = new ArrayList<>(validEvents);
        Map<ReasonCode, Long> perReason = new EnumMap<>(ReasonCode.class);
        for (int i = 0; i < malformed; i++) {
            Malformed kind = Malformed.values()[i % Malformed.values().length];
            byte[] base =
                    validEvents.isEmpty()
                            ? decisionJson(random, "evt-m-" + i, "bank_456", now, i)
                            : validEvents.get(random.nextInt(validEvents.size())).value();
            all.add(new Event("malformed-" + i, kind.corrupt(base, i), null, null));
            perReason.merge(kind.reason, 1L, Long::sum);
        }
        for (int i = 0; i < duplicates && !validEvents.isEmpty(); i++) {
            all.add(validEvents.get(random.nextInt(validEvents.size())));
            perReason.merge(ReasonCode.DUPLICATE_EVENT_ID, 1L, Long::sum);
        }
        // Duplicates must come after their original; shuffle only the events before them.
        List<Event> head = all.subList(0, valid + malformed);
        Collections.shuffle(head, random);
        return new Sample(
                List.copyOf(all),
                List.copyOf(validEvents),
                Collections.unmodifiableMap(perTenant),
                Collections.unmodifiableMap(perReason));
    }

    /**
     * The sample with each valid event declaring its applicant in its context metadata: {@code
     * applicant_name} (the name its prompt names) and {@code applicant_address}, the keys the
     * built-in masking policy declares personal, so the ops copy masks the name wherever it occurs
     * (the demo). Opt-in: {@link #generate} keeps the bytes that stored fixtures (e.g. the
     * savepoint of IngestSavepointCompatibilityITCase) were made from. Re-sends stay identical to
     * their original.
     */
    public static Sample declaringApplicants(Sample sample) {
        Map<String, Event> declared = new java.util.HashMap<>();
        for (Event e : sample.valid()) {
            declared.put(e.key(), declaringApplicant(e));
        }
        List<Event> all = new ArrayList<>(sample.events().size());
        for (Event e : sample.events()) {
            all.add(e.eventId() == null ? e : declared.getOrDefault(e.key(), e));
        }
        List<Event> valid = new ArrayList<>(sample.valid().size());
        sample.valid().forEach(e -> valid.add(declared.get(e.key())));
        return new Sample(
                List.copyOf(all),
                List.copyOf(valid),
                sample.acceptedPerTenant(),
                sample.quarantinedPerReason());
    }

    /** One valid sample event with {@code applicant_name} and {@code applicant_address} added. */
    public static Event declaringApplicant(Event e) {
        try {
            ObjectNode event = (ObjectNode) JSON.readTree(e.value());
            String prompt = event.path("aiInteraction").path("prompt").asText();
            int from = prompt.indexOf(" for ");
            int to = prompt.indexOf(" (contact");
            if (from < 0 || to < from) {
                throw new IllegalArgumentException("not a sample decision: " + e.eventId());
            }
            ObjectNode metadata =
                    (ObjectNode) event.path("aiInteraction").path("context").path("metadata");
            metadata.put("applicant_name", prompt.substring(from + 5, to));
            metadata.put(
                    "applicant_address",
                    ADDRESSES[Math.floorMod(e.eventId().hashCode(), ADDRESSES.length)]);
            return new Event(e.key(), JSON.writeValueAsBytes(event), e.tenantId(), e.eventId());
        } catch (java.io.IOException ex) {
            throw new IllegalArgumentException("not a sample decision: " + e.eventId(), ex);
        }
    }

    /**
     * Sends the events to a topic, keyed so that re-sends land in their original's partition (after
     * it), and waits until all are acknowledged. A send the broker did not acknowledge fails the
     * call, naming it by its position (the caller's offsets would otherwise just come out short).
     *
     * @return the number of value bytes sent
     */
    public static long produce(String bootstrapServers, String topic, List<Event> events) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        long bytes = 0;
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(events.size());
            for (Event e : events) {
                sent.add(producer.send(new ProducerRecord<>(topic, e.key(), e.value())));
                bytes += e.value().length;
            }
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                try {
                    sent.get(i).get();
                } catch (ExecutionException failed) {
                    throw new IllegalStateException(
                            "the broker did not acknowledge event "
                                    + i
                                    + " of "
                                    + sent.size()
                                    + " sent to "
                                    + topic
                                    + ": "
                                    + failed.getCause(),
                            failed.getCause());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while producing", interrupted);
                }
            }
        }
        return bytes;
    }

    /**
     * One valid decision like those of {@link #generate}, at a time the caller chooses: for tests
     * that need control over event time and arrival order (windows, lateness).
     */
    public static Event eventAt(long seed, int i, String tenant, Instant time) {
        String eventId = String.format("evt-%d-t%08d", seed, i);
        byte[] value = decisionJson(new Random(seed * 1_000_003L + i), eventId, tenant, time, i);
        return new Event(tenant + ":" + eventId, value, tenant, eventId);
    }

    /** Zipf-like: the first tenant gets the most traffic. */
    private static int skewedIndex(Random random, int n) {
        double u = random.nextDouble();
        double total = 0;
        for (int k = 1; k <= n; k++) {
            total += 1.0 / k;
        }
        double acc = 0;
        for (int k = 1; k <= n; k++) {
            acc += (1.0 / k) / total;
            if (u < acc) {
                return k - 1;
            }
        }
        return n - 1;
    }

    private static final String[] FIRST = {"Jane", "Omar", "Li", "Maria", "Kwame", "Anna", "Raj"};
    private static final String[] LAST = {
        "Doe", "Haddad", "Wei", "Garcia", "Mensah", "Novak", "Iyer"
    };

    /** Applicant addresses for {@link #declaringApplicant}, one per event by its id. */
    private static final String[] ADDRESSES = {
        "12 Baker Street, London NW1 6XE",
        "Hauptstraße 5, 10115 Berlin",
        "8 Rue de Rivoli, 75001 Paris",
        "Via Roma 21, 00184 Roma",
        "Calle Mayor 14, 28013 Madrid",
        "Keizersgracht 120, 1015 CX Amsterdam",
        "ul. Marszałkowska 10, 00-590 Warszawa"
    };

    static byte[] decisionJson(Random random, String eventId, String tenant, Instant time, int i) {
        String first = FIRST[random.nextInt(FIRST.length)];
        String last = LAST[random.nextInt(LAST.length)];
        int creditScore = 560 + random.nextInt(290);
        int income = 30_000 + random.nextInt(170) * 1000;
        double dti = Math.round(random.nextDouble() * 60) / 100.0;
        int years = random.nextInt(25);
        boolean approved = creditScore >= 660 && dti <= 0.43;
        double confidence = Math.round((0.55 + random.nextDouble() * 0.44) * 100) / 100.0;
        String reasoning =
                approved
                        ? "Credit score "
                                + creditScore
                                + " and debt-to-income "
                                + dti
                                + " meet policy"
                        : "Declined: "
                                + (creditScore < 660
                                        ? "credit score below 660"
                                        : "debt-to-income above 0.43");
        String modelVersion = MODEL_VERSIONS.get(random.nextInt(MODEL_VERSIONS.size()));

        ObjectNode event = JSON.createObjectNode();
        event.put("eventId", eventId);
        event.put("eventType", "AI_DECISION");
        event.put("timestamp", time.toString());
        event.put("tenantId", tenant);
        event.put("userId", "user_" + (1000 + random.nextInt(4000)));
        event.put("caseId", "loan_" + (100_000 + i));
        ObjectNode ai = event.putObject("aiInteraction");
        ai.put("model", "gpt-4o");
        ai.put("modelVersion", modelVersion);
        ai.put("modelMetadataId", "meta_" + modelVersion.substring(7).replace("-", ""));
        ai.put(
                "prompt",
                "Evaluate this loan application for "
                        + first
                        + " "
                        + last
                        + " (contact "
                        + first.toLowerCase()
                        + "."
                        + last.toLowerCase()
                        + "@example.com, +44 20 7946 0"
                        + (100 + random.nextInt(900))
                        + ")");
        ai.put(
                "systemPrompt",
                "You are a loan underwriting assistant. Evaluate based on: credit score, income,"
                        + " debt-to-income ratio, and employment history. Respond with: { approved:"
                        + " boolean, confidence: 0-1, reasoning: string }");
        ObjectNode context = ai.putObject("context");
        ArrayNode history = context.putArray("userHistory");
        history.add("User has " + random.nextInt(4) + " previous approved loans");
        ArrayNode docs = context.putArray("relevantDocuments");
        docs.add("Credit report: score " + creditScore);
        docs.add("Income verification: $" + income + "/year");
        docs.add("Tax return 2025");
        ObjectNode metadata = context.putObject("metadata");
        metadata.put("creditScore", creditScore);
        metadata.put("annualIncome", income);
        metadata.put("dtiRatio", dti);
        metadata.put("employmentYears", years);
        ObjectNode parameters = ai.putObject("parameters");
        parameters.put("temperature", 0.3);
        parameters.put("maxTokens", 500);
        parameters.put("topP", 1);
        ObjectNode response = ai.putObject("response");
        ObjectNode decisionJson = JSON.createObjectNode();
        decisionJson.put("approved", approved);
        decisionJson.put("confidence", confidence);
        decisionJson.put("reasoning", reasoning);
        response.put("content", decisionJson.toString());
        response.put("tokens", 30 + random.nextInt(40));
        response.put("finishReason", "stop");
        ObjectNode decision = ai.putObject("decision");
        decision.put("approved", approved);
        decision.put("confidence", confidence);
        decision.put("reasoning", reasoning);
        return event.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The kinds of bad input the sample contains, each with the reason ingest must give. */
    enum Malformed {
        NOT_JSON(ReasonCode.MALFORMED_JSON) {
            @Override
            byte[] corrupt(byte[] valid, int i) {
                return ("loan decision approved for case " + i).getBytes(StandardCharsets.UTF_8);
            }
        },
        TRUNCATED(ReasonCode.MALFORMED_JSON) {
            @Override
            byte[] corrupt(byte[] valid, int i) {
                return java.util.Arrays.copyOf(valid, valid.length / 2);
            }
        },
        NOT_AN_OBJECT(ReasonCode.NOT_A_JSON_OBJECT) {
            @Override
            byte[] corrupt(byte[] valid, int i) {
                return "[1,2,3]".getBytes(StandardCharsets.UTF_8);
            }
        },
        EMPTY(ReasonCode.EMPTY_RECORD) {
            @Override
            byte[] corrupt(byte[] valid, int i) {
                return new byte[0];
            }
        },
        BAD_UTF8(ReasonCode.INVALID_UTF8) {
            @Override
            byte[] corrupt(byte[] valid, int i) {
                byte[] copy = valid.clone();
                copy[copy.length / 3] = (byte) 0xFF;
                return copy;
            }
        },
        NO_TENANT(ReasonCode.MISSING_FIELD) {
            @Override
            byte[] corrupt(byte[] valid, int i) {
                return edit(valid, e -> e.remove("tenantId"));
            }
        },
        PATH_IN_TENANT(ReasonCode.INVALID_TENANT_ID) {
            @Override
            byte[] corrupt(byte[] valid, int i) {
                return edit(valid, e -> e.put("tenantId", "../bank_456"));
            }
        },
        CONFIDENCE_ABOVE_ONE(ReasonCode.VALUE_OUT_OF_RANGE) {
            @Override
            byte[] corrupt(byte[] valid, int i) {
                return edit(
                        valid,
                        e ->
                                ((ObjectNode) e.get("aiInteraction").get("decision"))
                                        .put("confidence", 1.7));
            }
        },
        TEMPERATURE_AS_TEXT(ReasonCode.WRONG_TYPE) {
            @Override
            byte[] corrupt(byte[] valid, int i) {
                return edit(
                        valid,
                        e ->
                                ((ObjectNode) e.get("aiInteraction").get("parameters"))
                                        .put("temperature", "low"));
            }
        },
        BAD_TIMESTAMP(ReasonCode.INVALID_TIMESTAMP) {
            @Override
            byte[] corrupt(byte[] valid, int i) {
                return edit(valid, e -> e.put("timestamp", "15/03/2026 10:21"));
            }
        },
        UNKNOWN_TYPE(ReasonCode.UNKNOWN_EVENT_TYPE) {
            @Override
            byte[] corrupt(byte[] valid, int i) {
                return edit(valid, e -> e.put("eventType", "AI_DECISON"));
            }
        };

        final ReasonCode reason;

        Malformed(ReasonCode reason) {
            this.reason = reason;
        }

        abstract byte[] corrupt(byte[] valid, int i);

        private static byte[] edit(byte[] valid, java.util.function.Consumer<ObjectNode> change) {
            try {
                ObjectNode event = (ObjectNode) JSON.readTree(valid);
                // A corrupted copy must not collide with its original's event id.
                event.put("eventId", event.get("eventId").asText() + "-corrupt");
                change.accept(event);
                return JSON.writeValueAsBytes(event);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("the sample's own JSON is unreadable", e);
            }
        }
    }
}
