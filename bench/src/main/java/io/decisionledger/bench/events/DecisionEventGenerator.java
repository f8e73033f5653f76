package io.decisionledger.bench.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.decisionledger.decision.DecisionParser;
import io.decisionledger.decision.ParseOutcome;
import io.decisionledger.decision.ParserLimits;
import io.decisionledger.decision.ReasonCode;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * The benchmarks' input: a deterministic stream of realistic AI decision events of about 2 KB each,
 * as a bank's or an insurer's decisioning service would put them on Kafka. Each event carries a
 * user prompt, a tenant-specific system prompt, three relevant documents, four to eight metadata
 * keys, the user's history and a model response holding a JSON decision. Tenants follow a Zipf law,
 * several model versions are in use, and configurable fractions of the records are malformed (one
 * of the {@link Fault} kinds, cycling), exact re-sends of a recent event (producer retries) or late
 * (timestamps out of order).
 *
 * <p>Every byte follows from the {@link EventMix}, seed included. The valid events are exactly
 * those the jobs' {@code DecisionParser} accepts, and each malformed record is refused with its
 * {@link GeneratedEvent#expectedReason()} (checked by {@code DecisionEventGeneratorTest}), so a run
 * knows what the ingest job must store. Memory stays flat: events are made one at a time, and only
 * a window of recent valid events is kept to draw re-sends from. Not thread-safe.
 */
public final class DecisionEventGenerator implements Iterator<GeneratedEvent> {

    /** How far back a re-send may reach: retries follow their original closely. */
    private static final int RECENT_WINDOW = 4096;

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final EventMix mix;
    private final Random random;
    private final String[] tenantIds;
    private final double[] tenantCdf;
    private final double[] modelCdf;
    private final long stepMicros;
    private final String idPrefix;
    private final GeneratedEvent[] recent = new GeneratedEvent[RECENT_WINDOW];
    private int recentSize;
    private int recentNext;
    private long produced;
    private long malformedSoFar;

    private final JsonFactory jsonFactory = new JsonFactory();
    private final ByteArrayBuilder buffer = new ByteArrayBuilder(4096);

    public DecisionEventGenerator(EventMix mix) {
        this.mix = mix;
        this.random = new Random(mix.seed());
        this.tenantIds = new String[mix.tenants()];
        for (int k = 0; k < tenantIds.length; k++) {
            tenantIds[k] = tenantId(k);
        }
        this.tenantCdf = zipfCdf(mix.tenants(), mix.zipfExponent());
        double[] weights = new double[MODELS.length];
        for (int m = 0; m < MODELS.length; m++) {
            weights[m] = MODELS[m].weight;
        }
        this.modelCdf = cdf(weights);
        this.stepMicros =
                mix.count() <= 1 ? 0 : toMicros(mix.span()) / Math.max(1, mix.count() - 1);
        this.idPrefix = "evt-" + Long.toHexString(mix.seed()) + "-";
    }

    /**
     * {@link EventMix#validOnly} events parsed as the ingest job's source parses them (ingest time
     * truncated to microseconds, partition 0, offset = index): the decision records the per-record
     * benchmarks start from.
     *
     * @throws IllegalStateException if the parser refuses one (a generator or parser regression)
     */
    public static List<DecisionRecord> parsedValid(long seed, int count) {
        DecisionParser parser = new DecisionParser(ParserLimits.defaults());
        Instant ingestTime = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<DecisionRecord> parsed = new ArrayList<>(count);
        for (GeneratedEvent e : generate(EventMix.validOnly(seed, count))) {
            ParseOutcome outcome = parser.parse(e.value(), "bench", 0, parsed.size(), ingestTime);
            if (!outcome.isAccepted()) {
                throw new IllegalStateException("a valid benchmark event was refused: " + outcome);
            }
            parsed.add(outcome.decision());
        }
        return parsed;
    }

    /** All records of a small mix, in production order (tests and the JMH benchmark). */
    public static List<GeneratedEvent> generate(EventMix mix) {
        if (mix.count() > 1_000_000) {
            throw new IllegalArgumentException("stream large mixes instead of listing them");
        }
        List<GeneratedEvent> events = new ArrayList<>((int) mix.count());
        new DecisionEventGenerator(mix).forEachRemaining(events::add);
        return events;
    }

    /** The tenant ids in Zipf rank order: the first gets the most traffic. */
    public List<String> tenantIds() {
        return List.of(tenantIds);
    }

    @Override
    public boolean hasNext() {
        return produced < mix.count();
    }

    @Override
    public GeneratedEvent next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        long i = produced++;
        Instant clock =
                mix.start().plus(Duration.ofNanos(Math.multiplyExact(i, stepMicros) * 1000));
        double r = random.nextDouble();
        if (r < mix.malformedFraction()) {
            return malformed(i, clock);
        }
        if (r < mix.malformedFraction() + mix.duplicateFraction() && recentSize > 0) {
            GeneratedEvent original = recent[random.nextInt(recentSize)];
            return new GeneratedEvent(
                    GeneratedEvent.Kind.DUPLICATE,
                    original.key(),
                    original.value(),
                    original.tenantId(),
                    original.eventId(),
                    ReasonCode.DUPLICATE_EVENT_ID);
        }
        return valid(i, clock);
    }

    private GeneratedEvent valid(long i, Instant clock) {
        Fields f = fields(i, clock);
        byte[] value = write(f, null);
        GeneratedEvent event =
                new GeneratedEvent(
                        GeneratedEvent.Kind.VALID,
                        f.tenantId + ":" + f.eventId,
                        value,
                        f.tenantId,
                        f.eventId,
                        null);
        recent[recentNext] = event;
        recentNext = (recentNext + 1) % RECENT_WINDOW;
        recentSize = Math.min(recentSize + 1, RECENT_WINDOW);
        return event;
    }

    private GeneratedEvent malformed(long i, Instant clock) {
        Fault fault = Fault.values()[(int) (malformedSoFar++ % Fault.values().length)];
        Fields f = fields(i, clock);
        byte[] value = fault.bytes(this, f);
        return new GeneratedEvent(
                GeneratedEvent.Kind.MALFORMED, "malformed-" + i, value, null, null, fault.reason);
    }

    // ---- the event's content -----------------------------------------------------------------

    /** Everything random about one event, drawn in a fixed order so the stream is reproducible. */
    private Fields fields(long i, Instant clock) {
        Fields f = new Fields();
        f.eventId = idPrefix + i;
        int tenant = pick(tenantCdf);
        f.tenantId = tenantIds[tenant];
        f.domain = Domain.values()[tenant % Domain.values().length];
        Instant time = clock;
        if (random.nextDouble() < mix.outOfOrderFraction()) {
            // Late by a minute to a day and a half: some land in the previous day's partition.
            time = time.minusSeconds(60 + random.nextInt(36 * 3600));
        }
        f.timestamp = TIMESTAMP.format(time);
        f.model = MODELS[pick(modelCdf)];
        f.userId = "user_" + (100_000 + random.nextInt(900_000));
        f.caseId = f.domain.casePrefix + (1_000_000 + i);
        f.first = FIRST_NAMES[random.nextInt(FIRST_NAMES.length)];
        f.last = LAST_NAMES[random.nextInt(LAST_NAMES.length)];
        f.score = 540 + random.nextInt(310);
        f.income = 28_000 + random.nextInt(180) * 1000;
        f.amount = 2_000 + random.nextInt(98) * 500;
        f.term = TERMS[random.nextInt(TERMS.length)];
        f.years = random.nextInt(30);
        f.dti = random.nextInt(61) / 100.0;
        f.utilisation = random.nextInt(100);
        f.approved = f.score >= 660 && f.dti <= 0.43 && f.years >= 1;
        f.confidence = (55 + random.nextInt(45)) / 100.0;
        String[] purposes = f.domain == Domain.LENDING ? LOAN_PURPOSES : CLAIM_PERILS;
        f.purpose = purposes[random.nextInt(purposes.length)];
        f.employer = EMPLOYERS[random.nextInt(EMPLOYERS.length)];
        f.historyItems = 1 + random.nextInt(4);
        f.historySeed = random.nextInt(HISTORY.length);
        f.metadataKeys = 4 + random.nextInt(5);
        f.temperature = TEMPERATURES[random.nextInt(TEMPERATURES.length)];
        f.maxTokens = MAX_TOKENS[random.nextInt(MAX_TOKENS.length)];
        f.topP = random.nextInt(4) == 0 ? 0.9 : 1;
        f.tokens = 60 + random.nextInt(160);
        f.finishReason = random.nextInt(200) == 0 ? "length" : "stop";
        f.region = REGIONS[random.nextInt(REGIONS.length)];
        f.channel = CHANNELS[random.nextInt(CHANNELS.length)];
        return f;
    }

    private byte[] write(Fields f, Fault fault) {
        buffer.reset();
        try (JsonGenerator g = jsonFactory.createGenerator(buffer)) {
            g.writeStartObject();
            g.writeStringField("eventId", f.eventId);
            g.writeStringField(
                    "eventType", fault == Fault.UNKNOWN_EVENT_TYPE ? "AI_DECISON" : "AI_DECISION");
            g.writeStringField(
                    "timestamp", fault == Fault.BAD_TIMESTAMP ? "15/03/2026 10:21" : f.timestamp);
            if (fault == Fault.PATH_IN_TENANT) {
                g.writeStringField("tenantId", "../" + f.tenantId);
            } else if (fault != Fault.NO_TENANT) {
                g.writeStringField("tenantId", f.tenantId);
            }
            g.writeStringField("userId", f.userId);
            g.writeStringField("caseId", f.caseId);
            g.writeObjectFieldStart("aiInteraction");
            g.writeStringField("model", f.model.name);
            g.writeStringField("modelVersion", f.model.version);
            g.writeStringField("modelMetadataId", f.model.metadataId);
            g.writeStringField("prompt", f.domain.prompt(f));
            g.writeStringField("systemPrompt", f.domain.systemPrompt(f));
            g.writeObjectFieldStart("context");
            g.writeArrayFieldStart("userHistory");
            for (int h = 0; h < f.historyItems; h++) {
                g.writeString(HISTORY[(f.historySeed + h * 7) % HISTORY.length]);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("relevantDocuments");
            for (String document : f.domain.documents(f)) {
                g.writeString(document);
            }
            g.writeEndArray();
            g.writeObjectFieldStart("metadata");
            writeMetadata(g, f);
            g.writeEndObject();
            g.writeEndObject();
            g.writeObjectFieldStart("parameters");
            if (fault == Fault.TEMPERATURE_AS_TEXT) {
                g.writeStringField("temperature", "low");
            } else {
                g.writeNumberField("temperature", f.temperature);
            }
            g.writeNumberField("maxTokens", f.maxTokens);
            if (f.topP == 1) {
                g.writeNumberField("topP", 1);
            } else {
                g.writeNumberField("topP", f.topP);
            }
            g.writeEndObject();
            String reasoning = f.domain.reasoning(f);
            double confidence = fault == Fault.CONFIDENCE_ABOVE_ONE ? 1.7 : f.confidence;
            if (fault != Fault.NO_RESPONSE) {
                g.writeObjectFieldStart("response");
                g.writeStringField("content", responseContent(f, confidence, reasoning));
                g.writeNumberField("tokens", f.tokens);
                g.writeStringField("finishReason", f.finishReason);
                g.writeEndObject();
            }
            g.writeObjectFieldStart("decision");
            g.writeBooleanField("approved", f.approved);
            g.writeNumberField("confidence", confidence);
            g.writeStringField("reasoning", reasoning);
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return buffer.toByteArray();
    }

    private static void writeMetadata(JsonGenerator g, Fields f) throws IOException {
        // The first four keys are always there; up to four more follow, as producers vary.
        g.writeNumberField("creditScore", f.score);
        g.writeNumberField("annualIncome", f.income);
        g.writeNumberField("dtiRatio", f.dti);
        g.writeNumberField("employmentYears", f.years);
        if (f.metadataKeys > 4) {
            g.writeNumberField("requestedAmount", f.amount);
        }
        if (f.metadataKeys > 5) {
            g.writeNumberField("termMonths", f.term);
        }
        if (f.metadataKeys > 6) {
            g.writeStringField("region", f.region);
        }
        if (f.metadataKeys > 7) {
            g.writeStringField("channel", f.channel);
        }
    }

    private String responseContent(Fields f, double confidence, String reasoning) {
        // What the model returned: the decision as JSON text, as the system prompt demands.
        ByteArrayBuilder out = new ByteArrayBuilder(512);
        try (JsonGenerator g = jsonFactory.createGenerator(out)) {
            g.writeStartObject();
            g.writeBooleanField("approved", f.approved);
            g.writeNumberField("confidence", confidence);
            g.writeStringField("reasoning", reasoning);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    /** The kinds of bad input, each with the reason ingest must quarantine it for. */
    enum Fault {
        NOT_JSON(ReasonCode.MALFORMED_JSON),
        TRUNCATED(ReasonCode.MALFORMED_JSON),
        EMPTY(ReasonCode.EMPTY_RECORD),
        BAD_UTF8(ReasonCode.INVALID_UTF8),
        NOT_AN_OBJECT(ReasonCode.NOT_A_JSON_OBJECT),
        NO_TENANT(ReasonCode.MISSING_FIELD),
        PATH_IN_TENANT(ReasonCode.INVALID_TENANT_ID),
        CONFIDENCE_ABOVE_ONE(ReasonCode.VALUE_OUT_OF_RANGE),
        TEMPERATURE_AS_TEXT(ReasonCode.WRONG_TYPE),
        BAD_TIMESTAMP(ReasonCode.INVALID_TIMESTAMP),
        UNKNOWN_EVENT_TYPE(ReasonCode.UNKNOWN_EVENT_TYPE),
        NO_RESPONSE(ReasonCode.MISSING_FIELD);

        final ReasonCode reason;

        Fault(ReasonCode reason) {
            this.reason = reason;
        }

        byte[] bytes(DecisionEventGenerator generator, Fields f) {
            return switch (this) {
                case NOT_JSON ->
                        ("decision " + f.caseId + " approved=" + f.approved)
                                .getBytes(StandardCharsets.UTF_8);
                case EMPTY -> new byte[0];
                case NOT_AN_OBJECT ->
                        ("[\"" + f.eventId + "\"," + f.score + "]")
                                .getBytes(StandardCharsets.UTF_8);
                case TRUNCATED -> {
                    byte[] whole = generator.write(f, null);
                    int cut = whole.length / 2;
                    // Cut between characters: a split multi-byte character would be INVALID_UTF8.
                    while ((whole[cut] & 0xC0) == 0x80) {
                        cut--;
                    }
                    yield Arrays.copyOf(whole, cut);
                }
                case BAD_UTF8 -> {
                    byte[] whole = generator.write(f, null);
                    whole[whole.length / 3] = (byte) 0xFF;
                    yield whole;
                }
                default -> generator.write(f, this);
            };
        }
    }

    /** The random draws of one event. */
    private static final class Fields {
        String eventId;
        String tenantId;
        Domain domain;
        String timestamp;
        Model model;
        String userId;
        String caseId;
        String first;
        String last;
        int score;
        int income;
        int amount;
        int term;
        int years;
        double dti;
        int utilisation;
        boolean approved;
        double confidence;
        String purpose;
        String employer;
        int historyItems;
        int historySeed;
        int metadataKeys;
        double temperature;
        int maxTokens;
        double topP;
        int tokens;
        String finishReason;
        String region;
        String channel;

        String email() {
            return ascii(first).toLowerCase() + "." + ascii(last).toLowerCase() + "@example.com";
        }

        private static String ascii(String name) {
            StringBuilder out = new StringBuilder(name.length());
            for (int c = 0; c < name.length(); c++) {
                char ch = name.charAt(c);
                out.append(ch < 128 ? ch : 'x');
            }
            return out.toString();
        }
    }

    /** The business a tenant is in: what its prompts, documents and reasons talk about. */
    private enum Domain {
        LENDING("loan_") {
            @Override
            String prompt(Fields f) {
                return "Evaluate this loan application for "
                        + f.first
                        + " "
                        + f.last
                        + " (applicant "
                        + f.userId
                        + ", contact "
                        + f.email()
                        + "). Requested amount: $"
                        + f.amount
                        + " over "
                        + f.term
                        + " months for "
                        + f.purpose
                        + ". Employer: "
                        + f.employer
                        + ", "
                        + f.years
                        + " years in the current role. Gross annual income $"
                        + f.income
                        + ", debt-to-income ratio "
                        + f.dti
                        + ". Assess it against the lending policy.";
            }

            @Override
            String systemPrompt(Fields f) {
                return "You are a loan underwriting assistant for "
                        + f.tenantId
                        + ". Evaluate applications strictly against the underwriting policy:"
                        + " minimum credit score 660, maximum debt-to-income ratio 0.43, at least"
                        + " 12 months of continuous employment, verified income. Never use"
                        + " protected characteristics. Respond only with a JSON object:"
                        + " {\"approved\": boolean, \"confidence\": 0-1, \"reasoning\": string"
                        + " citing the policy clauses}. Policy LP-2025.2.";
            }

            @Override
            String[] documents(Fields f) {
                return new String[] {
                    "Credit report: score "
                            + f.score
                            + ", 4 open accounts, revolving utilisation "
                            + f.utilisation
                            + "%, no delinquencies in 24 months.",
                    "Income verification: $"
                            + f.income
                            + "/year from payroll records of "
                            + f.employer
                            + ", confirmed by employer on file; "
                            + f.years
                            + " years of tenure.",
                    "Bank statements (3 months): average balance $"
                            + (f.income / 9)
                            + ", recurring debt payments of $"
                            + Math.round(f.income * f.dti / 12)
                            + " per month."
                };
            }

            @Override
            String reasoning(Fields f) {
                return f.approved
                        ? "Credit score "
                                + f.score
                                + " meets the 660 minimum (LP 3.1) and debt-to-income "
                                + f.dti
                                + " is within the 0.43 limit (LP 3.4); income verified."
                        : "Declined: "
                                + (f.score < 660
                                        ? "credit score " + f.score + " below the 660 minimum"
                                        : f.dti > 0.43
                                                ? "debt-to-income " + f.dti + " above 0.43"
                                                : "less than 12 months of employment")
                                + " (LP 3.1-3.5).";
            }
        },
        CLAIMS("claim_") {
            @Override
            String prompt(Fields f) {
                return "Triage this insurance claim filed by "
                        + f.first
                        + " "
                        + f.last
                        + " (policyholder "
                        + f.userId
                        + ", contact "
                        + f.email()
                        + "). Claimed amount: $"
                        + f.amount
                        + " for "
                        + f.purpose
                        + " damage reported "
                        + f.term
                        + " days after the incident. Policy held for "
                        + f.years
                        + " years, annual premium $"
                        + (f.income / 40)
                        + ". Fast-track it or refer it to an adjuster?";
            }

            @Override
            String systemPrompt(Fields f) {
                return "You are a claims triage assistant for "
                        + f.tenantId
                        + ". Fast-track a claim only if it is covered by the policy wording, the"
                        + " claimed amount is below the fast-track limit of $25,000, it was"
                        + " reported within 30 days, and no fraud indicator applies. Otherwise"
                        + " refer it to an adjuster. Never use protected characteristics. Respond"
                        + " only with a JSON object: {\"approved\": boolean (true = fast-track),"
                        + " \"confidence\": 0-1, \"reasoning\": string citing the claims"
                        + " manual}. Manual CM-7.3.";
            }

            @Override
            String[] documents(Fields f) {
                return new String[] {
                    "Policy schedule: comprehensive cover, excess $500, sum insured $"
                            + (f.income * 3)
                            + ", no endorsements excluding "
                            + f.purpose
                            + " damage; in force for "
                            + f.years
                            + " years.",
                    "Claims history: "
                            + (f.utilisation % 4)
                            + " prior claims in 5 years, last settled without dispute; fraud"
                            + " score "
                            + f.utilisation
                            + "/100 from the screening service.",
                    "First notice of loss: reported via "
                            + f.channel
                            + " "
                            + f.term
                            + " days after the incident, photos attached, repair estimate $"
                            + f.amount
                            + " from an approved contractor."
                };
            }

            @Override
            String reasoning(Fields f) {
                return f.approved
                        ? "Covered peril, amount $"
                                + f.amount
                                + " under the fast-track limit and no fraud indicator (CM 4.2);"
                                + " fast-tracked."
                        : "Referred to an adjuster: "
                                + (f.score < 660
                                        ? "fraud screening score requires review"
                                        : f.dti > 0.43
                                                ? "late notification"
                                                : "policy tenure under one year")
                                + " (CM 4.2-4.6).";
            }
        };

        final String casePrefix;

        Domain(String casePrefix) {
            this.casePrefix = casePrefix;
        }

        abstract String prompt(Fields f);

        abstract String systemPrompt(Fields f);

        abstract String[] documents(Fields f);

        abstract String reasoning(Fields f);
    }

    /** A model version in use, with its share of traffic. */
    private record Model(String name, String version, String metadataId, double weight) {}

    private static final Model[] MODELS = {
        new Model("gpt-4o", "gpt-4o-2024-08-06", "meta_gpt4o_20240806", 0.35),
        new Model("gpt-4o", "gpt-4o-2024-11-20", "meta_gpt4o_20241120", 0.20),
        new Model("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "meta_gpt4omini_20240718", 0.15),
        new Model(
                "claude-3-5-sonnet",
                "claude-3-5-sonnet-20241022",
                "meta_claude35sonnet_20241022",
                0.15),
        new Model("llama-3.1-70b", "llama-3.1-70b-instruct-ft-2025-03", "meta_llama31_ft2503", 0.1),
        new Model("mistral-large", "mistral-large-2411", "meta_mistrallarge_2411", 0.05)
    };

    private static final String[] FIRST_NAMES = {
        "Jane",
        "Omar",
        "Li",
        "María",
        "Kwame",
        "Anna",
        "Raj",
        "Zoë",
        "Łukasz",
        "Sören",
        "Aiko",
        "Chloé",
        "Mohammed",
        "Olga",
        "Ngozi",
        "José"
    };
    private static final String[] LAST_NAMES = {
        "Doe",
        "Haddad",
        "Wei",
        "García",
        "Mensah",
        "Novák",
        "Iyer",
        "Müller",
        "O'Brien",
        "Kowalski",
        "Tanaka",
        "Dubois",
        "Okafor",
        "Petrov",
        "Silva",
        "Andersson"
    };
    private static final String[] LOAN_PURPOSES = {
        "home improvement", "debt consolidation", "a used car", "medical expenses", "a wedding"
    };
    private static final String[] CLAIM_PERILS = {"water", "storm", "fire", "theft", "collision"};
    private static final String[] EMPLOYERS = {
        "Northwind Logistics", "Contoso Health", "Fabrikam Manufacturing", "City Council",
        "Self-employed (sole trader)", "Tailspin Airlines", "Litware Software", "Adventure Works"
    };
    private static final String[] HISTORY = {
        "2023-04: personal loan of $12,000 approved, repaid on schedule",
        "2024-11: credit card limit increase declined (utilisation above 90%)",
        "2022-08: mortgage pre-approval issued, not drawn",
        "2025-01: address change verified with utility bill",
        "2021-06: overdraft facility of $1,500 approved",
        "2024-03: complaint about fees resolved within 5 days",
        "2023-12: car loan of $18,500 approved, 2 late payments",
        "2025-02: identity re-verified after password reset",
        "2020-09: account opened online, standard KYC passed"
    };
    private static final int[] TERMS = {12, 24, 36, 48, 60, 72, 84};
    private static final double[] TEMPERATURES = {0.0, 0.2, 0.3, 0.7};
    private static final int[] MAX_TOKENS = {300, 500, 800};
    private static final String[] REGIONS = {"UK-LON", "UK-MAN", "DE-BE", "FR-IDF", "NL-NH"};
    private static final String[] CHANNELS = {"mobile_app", "web", "branch", "broker", "phone"};

    private static String tenantId(int k) {
        String[] kinds = {"bank", "insurer", "credit_union", "insurtech"};
        // Even ranks lend, odd ranks insure (Domain by k % 2); the name says which.
        String kind =
                k % 2 == 0 ? kinds[(k / 2) % 2 == 0 ? 0 : 2] : kinds[(k / 2) % 2 == 0 ? 1 : 3];
        return String.format("%s_%03d", kind, k + 1);
    }

    private int pick(double[] cdf) {
        double u = random.nextDouble();
        int found = Arrays.binarySearch(cdf, u);
        int index = found >= 0 ? found + 1 : -found - 1;
        return Math.min(index, cdf.length - 1);
    }

    private static double[] zipfCdf(int n, double s) {
        double[] weights = new double[n];
        for (int k = 0; k < n; k++) {
            weights[k] = 1.0 / Math.pow(k + 1, s);
        }
        return cdf(weights);
    }

    private static double[] cdf(double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double[] cdf = new double[weights.length];
        double acc = 0;
        for (int k = 0; k < weights.length; k++) {
            acc += weights[k] / total;
            cdf[k] = acc;
        }
        return cdf;
    }

    private static long toMicros(Duration d) {
        return Math.addExact(Math.multiplyExact(d.getSeconds(), 1_000_000L), d.getNano() / 1000);
    }
}
