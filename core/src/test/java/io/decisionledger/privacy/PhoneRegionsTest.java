package io.decisionledger.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Phone numbers in the national formats of a tenant's markets (no +country prefix): one corpus per
 * region in test resources (privacy/phones/XX.txt: mobile and landline numbers, written with
 * spaces, dashes, parentheses, dots, a slash or no separator at all), each detected at 95 % or more
 * with every region on, while text without personal data still changes at most 3 % of the time.
 */
class PhoneRegionsTest {

    static final List<String> REGIONS =
            List.of("DE", "FR", "IT", "ES", "NL", "PL", "GB", "US", "IN", "BR");

    private static final List<String> SENTENCES =
            List.of(
                    "Applicant can be reached on {} after six",
                    "Tel.: {}",
                    "Second contact number ({}) confirmed by the branch.");

    private final TextMasker masker = new TextMasker();

    @Test
    void detectsNationalFormatsOfEveryRegionOfTheTenant() throws IOException {
        // given every region of a bank operating in ten markets
        Map<String, double[]> rates = new LinkedHashMap<>();
        List<String> misses = new ArrayList<>();

        // when
        for (String region : REGIONS) {
            List<String> numbers = corpus(region);
            int detected = 0;
            int sentences = 0;
            for (String number : numbers) {
                for (String template : SENTENCES) {
                    String text = template.replace("{}", number);
                    String masked =
                            masker.mask(
                                            text,
                                            TextMasker.allKinds(),
                                            Map.of(),
                                            REGIONS,
                                            PersonalValues.NONE)
                                    .text();
                    sentences++;
                    if (masked.equals(template.replace("{}", "[PHONE]"))) {
                        detected++;
                    } else {
                        misses.add(region + ": " + text + "  ->  " + masked);
                    }
                }
            }
            rates.put(region, new double[] {numbers.size(), sentences, detected});
        }

        // then
        System.out.println("Phone numbers in national format, every region on " + REGIONS + ":");
        rates.forEach(
                (region, r) ->
                        System.out.printf(
                                Locale.ROOT,
                                "  %s  %2.0f numbers, %3.0f sentences, masked exactly %3.0f"
                                        + " (%.1f%%)%n",
                                region,
                                r[0],
                                r[1],
                                r[2],
                                100 * r[2] / r[1]));
        misses.forEach(m -> System.out.println("  missed " + m));
        for (String region : REGIONS) {
            double[] r = rates.get(region);
            assertThat(r[0]).as(region + " corpus size").isGreaterThanOrEqualTo(30);
            assertThat(r[2] / r[1]).as(region + " detection rate").isGreaterThanOrEqualTo(0.95);
        }
    }

    @Test
    void aRegionOutsideTheTenantsListLeavesItsNationalNumbersAlone() throws IOException {
        // given German national numbers, and a tenant whose only market is the US (the old default)
        List<String> german = corpus("DE");
        int maskedAsUs = 0;
        int maskedAsDe = 0;

        // when
        for (String number : german) {
            String text = "Call " + number + " please";
            if (!mask(text, List.of("US")).equals(text)) {
                maskedAsUs++;
            }
            if (mask(text, List.of("GB", "DE")).equals("Call [PHONE] please")) {
                maskedAsDe++;
            }
        }

        // then the region list is what decides
        assertThat(maskedAsUs).isLessThan(german.size() / 2);
        assertThat(maskedAsDe).isGreaterThanOrEqualTo((int) Math.ceil(0.95 * german.size()));
    }

    @Test
    void changesAtMostThreePercentOfTextWithoutPersonalDataWithEveryRegionOn() {
        // given
        List<String> corpus = PiiCorpus.nonPii();

        // when
        Map<String, String> changed = new LinkedHashMap<>();
        for (String text : corpus) {
            String masked = mask(text, REGIONS);
            if (!masked.equals(text)) {
                changed.put(text, masked);
            }
        }
        double rate = (double) changed.size() / corpus.size();

        // then
        System.out.printf(
                Locale.ROOT,
                "Non-PII false-positive rate with %d phone regions: %d of %d = %.1f%%%n",
                REGIONS.size(),
                changed.size(),
                corpus.size(),
                100 * rate);
        changed.forEach((in, out) -> System.out.println("  " + in + "  ->  " + out));
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(200);
        assertThat(rate).isLessThanOrEqualTo(0.03);
    }

    @Test
    void policyNamesSeveralRegionsPerTenant() throws Exception {
        // given
        MaskingPolicy policy =
                MaskingPolicy.parse(
                        new ObjectMapper()
                                .readTree(
                                        """
                                        {"version": "t", "phoneRegions": ["US"],
                                         "tenants": {"acme": {"phoneRegions": ["GB", "DE", "FR", "DE"]},
                                                     "solo": {"phoneRegion": "IT"}}}
                                        """),
                        "test");

        // then
        assertThat(policy.forTenant("acme").phoneRegions()).containsExactly("GB", "DE", "FR");
        assertThat(policy.forTenant("solo").phoneRegions()).containsExactly("IT");
        assertThat(policy.forTenant("other").phoneRegions()).containsExactly("US");
        assertThat(MaskingPolicy.builtIn().forTenant("x").phoneRegions()).containsExactly("US");
    }

    @Test
    void rejectsAnEmptyListAnUnknownRegionAndBothSpellings() {
        assertThatThrownBy(() -> parse("{\"version\": \"1\", \"phoneRegions\": []}"))
                .hasMessageContaining("phoneRegions is empty");
        assertThatThrownBy(() -> parse("{\"version\": \"1\", \"phoneRegions\": [\"GB\", \"UK\"]}"))
                .hasMessageContaining("phoneRegions entry 'UK' is not an ISO 3166 region");
        assertThatThrownBy(() -> parse("{\"version\": \"1\", \"phoneRegions\": \"GB\"}"))
                .hasMessageContaining("phoneRegions must be a list");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "{\"version\": \"1\", \"phoneRegion\": \"GB\","
                                                + " \"phoneRegions\": [\"DE\"]}"))
                .hasMessageContaining("either phoneRegion or phoneRegions");
    }

    private static MaskingPolicy parse(String json) throws IOException {
        return MaskingPolicy.parse(new ObjectMapper().readTree(json), "test");
    }

    private String mask(String text, List<String> regions) {
        return masker.mask(text, TextMasker.allKinds(), Map.of(), regions, PersonalValues.NONE)
                .text();
    }

    /** The numbers of one region's corpus file (comment lines start with '#'). */
    static List<String> corpus(String region) throws IOException {
        try (InputStream in =
                PhoneRegionsTest.class.getResourceAsStream("/privacy/phones/" + region + ".txt")) {
            assertThat(in).as(region + " corpus").isNotNull();
            List<String> numbers = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    numbers.add(line.split("\t")[0]);
                }
            }
            assertThat(Set.copyOf(numbers)).hasSameSizeAs(numbers);
            return numbers;
        }
    }
}
