package io.decisionledger.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.commons.validator.routines.IBANValidator;
import org.apache.commons.validator.routines.InetAddressValidator;
import org.apache.commons.validator.routines.checkdigit.LuhnCheckDigit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Free-text masking: every value of the PII corpus, in every corpus sentence, becomes its typed
 * placeholder; text operators need (amounts, ids, decision dates, scores, model names) survives.
 */
class TextMaskerTest {

    private static final Set<PiiKind> ALL = TextMasker.allKinds();
    private static final Pattern EMAIL_SHAPE =
            Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");
    private static final Pattern SSN_SHAPE =
            Pattern.compile("(?!000|666|9\\d\\d)\\d{3}([- ])(?!00)\\d{2}\\1(?!0000)\\d{4}");

    private final TextMasker masker = new TextMasker();

    private TextMasker.Masked mask(String text) {
        return masker.mask(text, ALL, Map.of(), "US");
    }

    @Test
    void corpusHoldsAtLeast240DistinctValidValuesAndAtLeast25OfEachKind() throws Exception {
        // given
        List<PiiCorpus.Entry> corpus = PiiCorpus.pii();
        PhoneNumberUtil phones = PhoneNumberUtil.getInstance();
        int youngest = LocalDate.now().getYear() - 16;

        // when
        Map<PiiKind, Long> perKind =
                corpus.stream()
                        .collect(
                                Collectors.groupingBy(
                                        PiiCorpus.Entry::kind,
                                        () -> new EnumMap<>(PiiKind.class),
                                        Collectors.counting()));

        // then
        System.out.println("PII corpus: " + corpus.size() + " values " + perKind);
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(240);
        assertThat(corpus.stream().map(PiiCorpus.Entry::value).distinct()).hasSize(corpus.size());
        assertThat(perKind.keySet()).containsExactlyInAnyOrder(PiiKind.values());
        assertThat(perKind.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(25));
        // valid by construction, checked here with the libraries a reviewer trusts
        for (PiiCorpus.Entry e : corpus) {
            String v = e.value();
            switch (e.kind()) {
                case EMAIL -> assertThat(v).matches(EMAIL_SHAPE);
                case PHONE -> {
                    try {
                        assertThat(phones.isValidNumber(phones.parse(v, "US"))).as(v).isTrue();
                    } catch (NumberParseException ex) {
                        throw new AssertionError(v, ex);
                    }
                }
                case SSN -> assertThat(v).matches(SSN_SHAPE);
                case CARD -> {
                    String digits = v.replaceAll("[ -]", "");
                    assertThat(digits).hasSizeBetween(15, 16);
                    assertThat(LuhnCheckDigit.LUHN_CHECK_DIGIT.isValid(digits)).as(v).isTrue();
                }
                case IBAN ->
                        assertThat(IBANValidator.getInstance().isValid(v.replace(" ", "")))
                                .as(v)
                                .isTrue();
                case IP -> assertThat(InetAddressValidator.getInstance().isValid(v)).as(v).isTrue();
                case DOB -> {
                    int year = Integer.parseInt(v.replaceAll(".*((?:19|20)\\d{2}).*", "$1"));
                    assertThat(year).as(v).isBetween(1930, Math.min(2008, youngest));
                }
            }
        }
        assertThat(corpus.stream().map(PiiCorpus.Entry::format).distinct().count())
                .as("formats")
                .isGreaterThan(60);
    }

    @Test
    void masksEveryCorpusValueInEverySentenceWithItsPlaceholder() {
        // given
        Map<String, PiiCorpus.KnownGap> knownGaps = new HashMap<>();
        PiiCorpus.knownDetectorGaps().forEach(g -> knownGaps.put(g.input(), g));
        assertThat(PiiCorpus.SENTENCES).noneMatch(t -> t.matches("(?s).*[\\d@].*"));
        Map<PiiKind, int[]> detected = new EnumMap<>(PiiKind.class); // values, sentences, of each
        Map<PiiKind, int[]> exact = new EnumMap<>(PiiKind.class);
        List<String> unexpected = new ArrayList<>();
        int knownGapsSeen = 0;

        // when
        for (PiiCorpus.Entry e : PiiCorpus.pii()) {
            boolean detectedEverywhere = true;
            boolean exactEverywhere = true;
            int[] d = detected.computeIfAbsent(e.kind(), k -> new int[4]);
            int[] x = exact.computeIfAbsent(e.kind(), k -> new int[4]);
            for (String template : PiiCorpus.SENTENCES) {
                String text = PiiCorpus.sentence(template, e.value());
                String masked = mask(text).text();
                String leak = leak(e, masked);
                boolean isExact =
                        masked.equals(PiiCorpus.sentence(template, e.kind().placeholder()));
                d[3]++;
                x[3]++;
                if (leak == null) {
                    d[1]++;
                } else {
                    detectedEverywhere = false;
                }
                if (isExact) {
                    x[1]++;
                } else {
                    exactEverywhere = false;
                }
                PiiCorpus.KnownGap gap = knownGaps.get(text);
                if (gap != null && gap.value().equals(e.value()) && (leak == null || gap.leaks())) {
                    knownGapsSeen++;
                } else if (leak != null || !isExact) {
                    unexpected.add(
                            String.format(
                                    "%s [%s] %s: %s%n    in:  %s%n    out: %s",
                                    e.kind(),
                                    e.format(),
                                    e.value(),
                                    leak != null ? leak : "text around the placeholder changed",
                                    text.replace("\n", "\\n"),
                                    masked.replace("\n", "\\n")));
                }
            }
            d[2]++;
            x[2]++;
            if (detectedEverywhere) {
                d[0]++;
            }
            if (exactEverywhere) {
                x[0]++;
            }
        }

        // then
        System.out.println(
                "Detection per kind: values with no personal data left in any of "
                        + PiiCorpus.SENTENCES.size()
                        + " sentences; sentences; and sentences masked exactly");
        for (PiiKind kind : PiiKind.values()) {
            int[] d = detected.get(kind);
            int[] x = exact.get(kind);
            System.out.printf(
                    Locale.ROOT,
                    "  %-5s values %3d/%3d (%5.1f%%)  sentences %4d/%4d (%5.1f%%)  exact %4d/%4d"
                            + " (%5.1f%%)%n",
                    kind,
                    d[0],
                    d[2],
                    100.0 * d[0] / d[2],
                    d[1],
                    d[3],
                    100.0 * d[1] / d[3],
                    x[1],
                    x[3],
                    100.0 * x[1] / x[3]);
        }
        System.out.println("Corpus sentences that are listed known gaps: " + knownGapsSeen);
        unexpected.forEach(System.out::println);
        assertThat(unexpected)
                .as("corpus sentences not masked exactly (beyond PiiCorpus.knownDetectorGaps())")
                .isEmpty();
    }

    /**
     * What personal data {@code masked} still shows, or null. The sentences hold no digit and no
     * '@', so any digit left comes from the value.
     */
    private static String leak(PiiCorpus.Entry e, String masked) {
        String value = e.value();
        String digits = value.replaceAll("\\D", "");
        if (masked.contains(value)) {
            return "value left in the text";
        }
        if (digits.length() >= 6 && masked.replaceAll("\\D", "").contains(digits)) {
            return "its digits left in the text";
        }
        if (masked.matches("(?s).*\\d.*")) {
            return "some of its digits left in the text";
        }
        if (e.kind() == PiiKind.EMAIL) {
            int at = value.indexOf('@');
            if (masked.contains(value.substring(0, at))) {
                return "e-mail local part left in the text";
            }
            if (masked.contains(value.substring(at))) {
                return "e-mail domain left in the text";
            }
        }
        if (!masked.contains(e.kind().placeholder())) {
            return "no " + e.kind().placeholder();
        }
        return null;
    }

    @Test
    void everyKnownDetectorGapStillReproduces() {
        // given
        List<PiiCorpus.KnownGap> gaps = PiiCorpus.knownDetectorGaps();
        List<String> fixed = new ArrayList<>();

        // when
        for (PiiCorpus.KnownGap gap : gaps) {
            String masked = mask(gap.input()).text();
            boolean maskedExactly =
                    EnumSet.allOf(PiiKind.class).stream()
                            .anyMatch(
                                    k ->
                                            masked.equals(
                                                    gap.input()
                                                            .replace(
                                                                    gap.value(), k.placeholder())));
            boolean stillLeaks = masked.contains(gap.value());
            if (maskedExactly || stillLeaks != gap.leaks()) {
                fixed.add(gap.input() + " -> " + masked);
            }
        }

        // then
        System.out.println("Known detector gaps: " + gaps.size());
        gaps.stream()
                .collect(
                        Collectors.groupingBy(
                                PiiCorpus.KnownGap::reason,
                                LinkedHashMap::new,
                                Collectors.counting()))
                .forEach((reason, n) -> System.out.println("  " + n + " x " + reason));
        assertThat(fixed).as("gaps that changed: update PiiCorpus.knownDetectorGaps()").isEmpty();
    }

    @Test
    void formerGapsAreMasked() {
        assertThat(mask("Contact on file (+44 20 7946 0958) confirmed").text())
                .isEqualTo("Contact on file ([PHONE]) confirmed");
        assertThat(mask("Pay to IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX").text())
                .isEqualTo("Pay to IBAN [IBAN] BIC COBADEFFXXX");
        assertThat(mask("Transfer to GB29NWBK60161331926819 EUR 500 monthly").text())
                .isEqualTo("Transfer to [IBAN] EUR 500 monthly");
        assertThat(mask("Call 0044 20 7946 0958 after five").text())
                .isEqualTo("Call [PHONE] after five");
        assertThat(mask("DOB 15-Mar-1980 per passport").text()).isEqualTo("DOB [DOB] per passport");
        assertThat(mask("DOB 1980/03/15 per passport").text()).isEqualTo("DOB [DOB] per passport");
    }

    @Test
    void leavesIdentifiersThatLookLikePhoneNumbersAlone() {
        // loan and reference ids with a valid US number inside are identifiers, not phones
        for (String text :
                List.of(
                        "Loan LN-2026-000123 approved",
                        "Case ref_6502530000 reopened",
                        "Order 6502530000X shipped",
                        "See /docs/6502530000 for the file")) {
            assertThat(mask(text).text()).as(text).isEqualTo(text);
        }
        // while the same digits standing alone are still a phone number
        assertThat(mask("Call 650-253-0000 now").text()).isEqualTo("Call [PHONE] now");
    }

    @Test
    void anIbanCutInsideAWordIsNoIban() {
        String text = "Code DE89370400440532013000X is not an account";
        assertThat(mask(text).text()).isEqualTo(text);
    }

    @Test
    void changesAtMostThreePercentOfTextWithoutPersonalData() {
        // given
        List<String> corpus = PiiCorpus.nonPii();

        // when
        Map<String, String> changed = new LinkedHashMap<>();
        for (String text : corpus) {
            TextMasker.Masked masked = mask(text);
            if (!masked.text().equals(text)) {
                changed.put(text, masked.text());
            }
        }
        double rate = (double) changed.size() / corpus.size();

        // then
        System.out.printf(
                Locale.ROOT,
                "Non-PII false-positive rate: %d of %d strings changed = %.1f%%%n",
                changed.size(),
                corpus.size(),
                100 * rate);
        changed.forEach((in, out) -> System.out.println("  " + in + "  ->  " + out));
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(200);
        assertThat(corpus).doesNotHaveDuplicates();
        assertThat(rate).isLessThanOrEqualTo(0.03);
    }

    @Test
    void keepsDecisionDatesButMasksOldDatesAndDatesAfterABirthKeyword() {
        // given
        String decision = "Decided 2025-03-14, reviewed 14/03/2025 and again on March 20, 2025";
        String birth = "Applicant born 2015-03-15 is a minor; DOB: 14 March 2011";
        String old = "Applicant date 15.03.1980 on the form";

        // when / then
        assertThat(mask(decision).text()).isEqualTo(decision);
        assertThat(mask(birth).text()).isEqualTo("Applicant born [DOB] is a minor; DOB: [DOB]");
        assertThat(mask(old).text()).isEqualTo("Applicant date [DOB] on the form");
    }

    @Test
    void masksManyKindsInOneText() {
        // given
        String text =
                "Applicant anna.schmidt+loans@mail.example.co.uk, tel. +49 30 901820, born"
                        + " 15 March 1980, SSN 078-05-1120, pays by card 4111-1111-1111-1111"
                        + " into IBAN DE89 3704 0044 0532 0130 00; logins from 203.0.113.7 and"
                        + " 2001:db8::1 (fallback (415) 555-2671). Requests $120,000 over 60"
                        + " months for APP-88412, FICO 681, decided 2025-03-14 by"
                        + " gpt-4o-2024-05-13.";

        // when
        TextMasker.Masked masked = mask(text);

        // then
        assertThat(masked.text())
                .isEqualTo(
                        "Applicant [EMAIL], tel. [PHONE], born [DOB], SSN [SSN], pays by card"
                                + " [CARD] into IBAN [IBAN]; logins from [IP] and [IP] (fallback"
                                + " [PHONE]). Requests $120,000 over 60 months for APP-88412,"
                                + " FICO 681, decided 2025-03-14 by gpt-4o-2024-05-13.");
        assertThat(masked.replaced()).isEqualTo(9);
    }

    @Test
    void aCardNumberThatAlsoContainsAPhoneNumberBecomesCard() {
        // given: a 14-digit Luhn-valid card number grouped like "+1 415-555-2671 006", in which
        // libphonenumber alone finds the phone number 415-555-2671
        String card = "14155552671006";
        assertThat(LuhnCheckDigit.LUHN_CHECK_DIGIT.isValid(card)).isTrue();
        String text = "Card +1 415-555-2671 006 declined";
        assertThat(masker.mask(text, EnumSet.of(PiiKind.PHONE), Map.of(), "US").text())
                .contains("[PHONE]");

        // when
        TextMasker.Masked masked = mask(text);

        // then
        assertThat(masked.text()).contains("[CARD]").doesNotContain("[PHONE]");
        assertThat(masked.text()).doesNotContainPattern("\\d");
        assertThat(masked.replaced()).isEqualTo(1);
    }

    @Test
    void anEmailAddressWhoseLocalPartIsAPhoneNumberIsOneEmail() {
        // given: an e-mail-to-SMS gateway address
        String text = "Text the applicant at 4155552671@txt.att.net today";

        // when
        TextMasker.Masked masked = mask(text);

        // then
        assertThat(masked.text()).isEqualTo("Text the applicant at [EMAIL] today");
        assertThat(masked.replaced()).isEqualTo(1);
    }

    @Test
    void anIbanWhoseDigitsAlsoPassLuhnStaysOneIban() {
        // given: corpus IBANs in which the card detector alone finds a Luhn-valid run of digits
        List<String> texts =
                PiiCorpus.pii().stream()
                        .filter(e -> e.kind() == PiiKind.IBAN)
                        .map(e -> "Refund to " + e.value() + " within five days")
                        .filter(
                                t ->
                                        masker.mask(t, EnumSet.of(PiiKind.CARD), Map.of(), "US")
                                                        .replaced()
                                                > 0)
                        .toList();
        assertThat(texts).isNotEmpty();

        // when / then
        for (String text : texts) {
            TextMasker.Masked masked = mask(text);
            assertThat(masked.text()).isEqualTo("Refund to [IBAN] within five days");
            assertThat(masked.replaced()).isEqualTo(1);
        }
    }

    @Test
    void countsEachReplacedValueOnce() {
        // given
        String three = "Mail a.b@web.de, c.d@web.de or call +44 20 7946 0958.";
        String none = "Loan APP-88412 approved for $120,000 over 60 months.";

        // when
        TextMasker.Masked masked = mask(three);
        TextMasker.Masked kept = mask(none);

        // then
        assertThat(masked.text()).isEqualTo("Mail [EMAIL], [EMAIL] or call [PHONE].");
        assertThat(masked.replaced()).isEqualTo(3);
        assertThat(kept.text()).isEqualTo(none);
        assertThat(kept.replaced()).isZero();
    }

    @Test
    void returnsNullAndEmptyTextUnchanged() {
        // when
        TextMasker.Masked ofNull = mask(null);
        TextMasker.Masked ofEmpty = mask("");

        // then
        assertThat(ofNull.text()).isNull();
        assertThat(ofNull.replaced()).isZero();
        assertThat(ofEmpty.text()).isEmpty();
        assertThat(ofEmpty.replaced()).isZero();
    }

    @Test
    void runsOnlyTheDetectorsThePolicyEnablesForAField(@TempDir Path dir) throws Exception {
        // given
        Path file = dir.resolve("policy.json");
        Files.writeString(
                file,
                """
                {"version": "t1",
                 "fields": {"prompt": ["EMAIL", "card"], "response_content": []}}
                """);
        MaskingPolicy.Rules rules = MaskingPolicy.load(file).forTenant("any");
        String text = "Mail anna@web.de, call +1 415-555-2671, card 4111 1111 1111 1111.";

        // when
        String prompt =
                masker.mask(text, rules.detectors("prompt"), Map.of(), rules.phoneRegion()).text();
        String response =
                masker.mask(text, rules.detectors("response_content"), Map.of(), "US").text();
        String reasoning =
                masker.mask(text, rules.detectors("decision_reasoning"), Map.of(), "US").text();

        // then
        assertThat(rules.detectors("prompt"))
                .containsExactlyInAnyOrder(PiiKind.EMAIL, PiiKind.CARD);
        assertThat(prompt).isEqualTo("Mail [EMAIL], call +1 415-555-2671, card [CARD].");
        assertThat(response).isEqualTo(text);
        assertThat(reasoning).isEqualTo("Mail [EMAIL], call [PHONE], card [CARD].");
    }

    @Test
    void masksExtraPatternsWithTheirNameAsPlaceholder(@TempDir Path dir) throws Exception {
        // given
        Path file = dir.resolve("policy.json");
        Files.writeString(
                file,
                """
                {"version": "t1", "extraPatterns": {"ACCOUNT": "ACCT-\\\\d{8}", "member_no": "MBR\\\\d{6}"}}
                """);
        MaskingPolicy.Rules rules = MaskingPolicy.load(file).forTenant("any");
        String text = "Debit ACCT-12345678 for MBR004417 (anna@web.de), not ACCT-1234.";

        // when
        TextMasker.Masked masked =
                masker.mask(text, ALL, rules.compiledExtraPatterns(), rules.phoneRegion());
        TextMasker.Masked direct =
                masker.mask(
                        "ACCT-87654321",
                        ALL,
                        Map.of("account", Pattern.compile("ACCT-\\d{8}")),
                        "US");

        // then
        assertThat(masked.text())
                .isEqualTo("Debit [ACCOUNT] for [MEMBER_NO] ([EMAIL]), not ACCT-1234.");
        assertThat(masked.replaced()).isEqualTo(3);
        assertThat(direct.text()).isEqualTo("[ACCOUNT]");
    }

    @Test
    void readsNationalNumbersWithThePolicysPhoneRegion() {
        // given
        String text = "Call 020 7946 0958 after five";

        // when
        String asUs = masker.mask(text, ALL, Map.of(), "US").text();
        String asGb = masker.mask(text, ALL, Map.of(), "GB").text();

        // then
        assertThat(asUs).isEqualTo(text);
        assertThat(asGb).isEqualTo("Call [PHONE] after five");
    }

    @Test
    void findsDetectionsThatSpanTheWholeReachOfTheirPattern() {
        // given: each detector only looks at the stretches of text its pattern can match, so
        // these sit at the edges of those stretches: the longest date forms around the year, an
        // IBAN running on into the next words, IPv6 with an IPv4 tail, two "@" in one run, and
        // findings that are the whole text
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put(
                "Applicant born 28th September, 1980 in Leeds", "Applicant born [DOB] in Leeds");
        expected.put("DOB: September 28th, 1975.", "DOB: [DOB].");
        expected.put("1980-12-31", "[DOB]");
        expected.put(
                "Dates 01/02/1970 and 1999.10.09 and 12-Mar-1961",
                "Dates [DOB] and [DOB] and [DOB]");
        expected.put(
                "Transfer from DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX today",
                "Transfer from [IBAN] BIC COBADEFFXXX today");
        expected.put(
                "Server at ::ffff:192.168.1.20 and fe80::1 logged in",
                "Server at [IP] and [IP] logged in");
        expected.put(
                "mail a@b@example.com or x.y+z@mail.example.co.uk", "mail a@[EMAIL] or [EMAIL]");
        expected.put(
                "Card 4111 1111 1111 1111, SSN 123-45-6789, call (415) 555-0143 or 0044 20 7946"
                        + " 0958",
                "Card [CARD], SSN [SSN], call [PHONE] or [PHONE]");
        expected.put("4111111111111111", "[CARD]");
        expected.put("user@example.com", "[EMAIL]");

        // when
        Map<String, String> masked = new LinkedHashMap<>();
        expected.keySet().forEach(text -> masked.put(text, mask(text).text()));

        // then
        assertThat(masked).containsExactlyEntriesOf(expected);
    }
}
