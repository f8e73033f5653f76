package io.decisionledger.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.privacy.PersonalValues.Kind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Values an event declares personal (its user id, the policy's personal metadata keys) are masked
 * wherever they occur in free text: case-insensitively, on token boundaries, and by their parts.
 */
class PersonalValuesTest {

    private final TextMasker masker = new TextMasker();

    private String mask(String text, PersonalValues personal) {
        return masker.mask(text, TextMasker.allKinds(), Map.of(), List.of("US"), personal).text();
    }

    @Test
    void masksANameAndEachOfItsPartsInAnyCase() {
        // given
        PersonalValues jane = PersonalValues.of(Kind.NAME, "Jane Wei");

        // when / then
        assertThat(
                        mask(
                                "Evaluate this loan application for Jane Wei (contact"
                                        + " jane.wei@example.com, +1 415-555-2671)",
                                jane))
                .isEqualTo("Evaluate this loan application for [NAME] (contact [EMAIL], [PHONE])");
        assertThat(mask("Ms Wei called; JANE confirmed, jane agreed. WEI: ok", jane))
                .isEqualTo("Ms [NAME] called; [NAME] confirmed, [NAME] agreed. [NAME]: ok");
        assertThat(mask("Jane\n   Wei signed", jane)).isEqualTo("[NAME] signed");
    }

    @Test
    void findsValuesWhoseFirstLetterIsOutsideAsciiOrChangesCaseAcrossScripts() {
        // given: the scan skips token starts no value begins with; a value starting with É or
        // with the Kelvin sign (whose lower case is an ASCII k) must still be found in any case
        PersonalValues names = PersonalValues.of(Kind.NAME, "Élodie Ørsted", "\u212Aarim");

        // when / then
        assertThat(mask("élodie and ØRSTED met karim, KARIM and \u212Aarim", names))
                .isEqualTo("[NAME] and [NAME] met [NAME], [NAME] and [NAME]");
        assertThat(mask("Elodie, Orsted and Karimov stay", names))
                .isEqualTo("Elodie, Orsted and Karimov stay");
    }

    @Test
    void aNamePartInsideAnotherWordIsNoName() {
        // given: "Wei" is a token of its own or nothing: "weird", "Weiss", "Weiß" and "Weibo" keep
        // their letters, and so does "Janet"
        PersonalValues jane = PersonalValues.of(Kind.NAME, "Jane Wei");
        String text = "A weird weighting, as Weiss and Weiß noted on Weibo; Janet and Wei2 agree";

        // when / then
        assertThat(mask(text, jane)).isEqualTo(text);
    }

    @Test
    void splitsDoubleNamesAndSkipsInitialsParticlesAndTitles() {
        // given
        PersonalValues names =
                PersonalValues.of(
                        Kind.NAME, "Mary-Jane Smith-Jones", "Dr. Ludwig van Beethoven", "J. Li");

        // when / then
        assertThat(mask("Smith called about Mary-Jane; Jones too. Mary and JANE", names))
                .isEqualTo("[NAME] called about [NAME]; [NAME] too. [NAME] and [NAME]");
        assertThat(mask("Beethoven drove a van to the Dr. in J. Street", names))
                .isEqualTo("[NAME] drove a van to the Dr. in J. Street");
        // two letters: only as written ("Li"), since "li" in lower case is rarely the name
        assertThat(mask("Mr Li wrote: li-ion battery, LI", names))
                .isEqualTo("Mr [NAME] wrote: li-ion battery, LI");
    }

    @Test
    void masksAnAddressByItsPartsStreetPlaceAndPostcode() {
        // given
        PersonalValues address =
                PersonalValues.of(
                        Kind.ADDRESS,
                        "12 Baker Street, London NW1 6XE",
                        "Hauptstraße 5\n10115 Berlin");

        // when / then
        assertThat(mask("Lives at 12 Baker Street, London NW1 6XE since 2019", address))
                .isEqualTo("Lives at [ADDRESS] since 2019");
        assertThat(mask("moved from baker street to a flat in London (postcode nw1 6xe)", address))
                .isEqualTo("moved from [ADDRESS] to a flat in [ADDRESS] (postcode [ADDRESS])");
        assertThat(mask("Wohnt Hauptstraße 5 in 10115 Berlin, seit 12 Monaten", address))
                .isEqualTo("Wohnt [ADDRESS] in [ADDRESS], seit 12 Monaten");
        // a house number alone is not an address: every "12" and "5" would go with it
        assertThat(mask("12 months, 5 payments, Bakery Streetwear", address))
                .isEqualTo("12 months, 5 payments, Bakery Streetwear");
    }

    @Test
    void masksTheUserIdAndDeclaredIdsButNotTooShortValues() {
        // given
        PersonalValues personal =
                PersonalValues.of(
                        "user-8472",
                        "{\"customer_ref\":\"CR-99120\",\"applicant_name\":\"Bo\"}",
                        Map.of("customer_ref", Kind.ID, "applicant_name", Kind.NAME));

        // when / then
        assertThat(mask("Account USER-8472 (ref cr-99120) for Bo, also user-84721", personal))
                .isEqualTo("Account [USER_ID] (ref [ID]) for [NAME], also user-84721");
        assertThat(PersonalValues.of("u1", null, Map.of()).isEmpty()).isTrue();
    }

    @Test
    void readsDeclaredKeysFromTheMetadataIncludingNestedValues() {
        // given
        String metadata =
                "{\"applicant\":{\"name\":\"Jane Wei\",\"tags\":[\"Okafor\"]},\"creditScore\":720,"
                        + "\"applicant_address\":\"Rue de Rivoli 10, 75001 Paris\",\"note\":null,"
                        + "\"other\":\"Smith\"}";

        // when
        PersonalValues personal =
                PersonalValues.of(
                        null,
                        metadata,
                        Map.of(
                                "applicant", Kind.NAME,
                                "applicant_address", Kind.ADDRESS,
                                "note", Kind.NAME));

        // then
        assertThat(mask("Wei and Okafor at Rue de Rivoli 10 (75001 Paris); Smith stays", personal))
                .isEqualTo("[NAME] and [NAME] at [ADDRESS] ([ADDRESS]); Smith stays");
    }

    @Test
    void policyDeclaresPersonalKeysPerTenantAndRefusesThemInTheAllowList() throws Exception {
        // given
        MaskingPolicy policy =
                parse(
                        """
                        {"version": "t", "personalMetadata": {"applicant_name": "NAME"},
                         "tenants": {"acme": {"personalMetadata": {"applicant_address": "address"}}}}
                        """);

        // then
        assertThat(policy.forTenant("acme").personalMetadata())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("applicant_name", Kind.NAME, "applicant_address", Kind.ADDRESS));
        assertThat(policy.forTenant("other").personalMetadata())
                .containsExactlyEntriesOf(Map.of("applicant_name", Kind.NAME));
        assertThatThrownBy(
                        () ->
                                parse(
                                        "{\"version\": \"1\", \"personalMetadata\":"
                                                + " {\"applicant_name\": \"PERSON\"}}"))
                .hasMessageContaining("personalMetadata.applicant_name is 'PERSON'")
                .hasMessageContaining("[NAME, ADDRESS, ID]");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "{\"version\": \"1\", \"metadataAllowList\": [\"name\"],"
                                                + " \"personalMetadata\": {\"name\": \"NAME\"}}"))
                .hasMessageContaining(
                        "'name' is both in personalMetadata and in metadataAllowList");
        assertThatThrownBy(() -> parse("{\"version\": \"1\", \"personalMetadata\": [\"x\"]}"))
                .hasMessageContaining("personalMetadata must be an object");
    }

    private static MaskingPolicy parse(String json) throws Exception {
        return MaskingPolicy.parse(new ObjectMapper().readTree(json), "test");
    }

    @Test
    void theAsciiShortcutForCaseInsensitiveMatchingAnswersAsCharactersTablesDo() {
        // every character of the text against every term character up to Latin Extended-B:
        // ASCII pairs take the shortcut, the others Character's tables, as before the shortcut
        for (char tc = 0; tc < 0x250; tc++) {
            for (int c = 0; c <= Character.MAX_VALUE; c++) {
                char ch = (char) c;
                boolean tables =
                        Character.toLowerCase(ch) == Character.toLowerCase(tc)
                                || Character.toUpperCase(ch) == Character.toUpperCase(tc);
                if (PersonalValues.sameIgnoringCase(ch, tc) != tables) {
                    throw new AssertionError(
                            "U+%04X vs U+%04X: %s".formatted(c, (int) tc, !tables));
                }
            }
        }
        assertThat(PersonalValues.sameIgnoringCase('\u017f', 's')).isTrue(); // long s
        assertThat(PersonalValues.sameIgnoringCase('\u212a', 'k')).isTrue(); // Kelvin sign
        assertThat(PersonalValues.sameIgnoringCase('@', '`')).isFalse(); // not letters
    }

    @Test
    void theTableOfPossibleFirstCharactersIsWhatMatchingTheFirstCharacterSays() {
        List<PersonalValues.Term> terms =
                List.of(
                        new PersonalValues.Term("Müller", false, "[NAME]"),
                        new PersonalValues.Term("li", true, "[NAME]"),
                        new PersonalValues.Term("\u017fmith", false, "[NAME]"),
                        new PersonalValues.Term("\u212aarl", false, "[NAME]"),
                        new PersonalValues.Term(" 12", false, "[ADDRESS]"),
                        new PersonalValues.Term("Élan", false, "[NAME]"),
                        new PersonalValues.Term("4711", false, "[ID]"));
        for (PersonalValues.Term t : terms) {
            boolean[] table = PersonalValues.asciiStarts(List.of(t));
            for (char c = 0; c < 128; c++) {
                // matching the term's first character alone, as the table did before
                boolean matches = PersonalValues.matchesFirst(c, t);
                assertThat(table[c]).as("%s vs U+%04X", t.text(), (int) c).isEqualTo(matches);
            }
        }
        assertThat(PersonalValues.asciiStarts(List.of(new PersonalValues.Term("", false, "[ID]"))))
                .containsOnly(true);
        boolean[] mixed = PersonalValues.asciiStarts(terms);
        assertThat(mixed['m']).isTrue(); // Müller, not case-sensitive
        assertThat(mixed['L']).isFalse(); // li is case-sensitive
        assertThat(mixed['S']).isTrue(); // the long s folds to S
        assertThat(mixed['k']).isTrue(); // the Kelvin sign folds to k
        assertThat(mixed['\t']).isTrue(); // a leading space matches any white space
        assertThat(mixed['e']).isFalse(); // É is not ASCII e
        assertThat(mixed['4']).isTrue();
    }
}
