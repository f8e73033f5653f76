package io.decisionledger.decision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The canonical JSON text stored in context_metadata_json and extra_json (and so hashed). */
class CanonicalJsonTest {

    private static final JsonFactory JSON = new JsonFactory();

    /** Reads {@code json} with a plain Jackson parser and renders it canonically. */
    private static String canonical(String json) throws Exception {
        try (JsonParser parser = JSON.createParser(json)) {
            parser.nextToken();
            return CanonicalJson.readValue(parser);
        }
    }

    @Test
    void sortsObjectKeysAtEveryLevelIncludingInsideArrays() throws Exception {
        // given
        String json = "{\"b\":1,\"a\":{\"d\":[{\"z\":1,\"y\":2}],\"c\":null}}";

        // when
        String canonical = canonical(json);

        // then
        assertThat(canonical).isEqualTo("{\"a\":{\"c\":null,\"d\":[{\"y\":2,\"z\":1}]},\"b\":1}");
    }

    @Test
    void sortsKeysByUtf16CodeUnitsNotByCodePoints() throws Exception {
        // given: U+1F600 is the surrogate pair D83D DE00, which sorts before U+FF5E in UTF-16
        // although its code point is larger; upper case sorts before lower case.
        String json = "{\"\uFF5E\":5,\"\uD83D\uDE00\":4,\"\u00e9\":3,\"a\":2,\"B\":1}";

        // when
        String canonical = canonical(json);

        // then
        assertThat(canonical)
                .isEqualTo("{\"B\":1,\"a\":2,\"\u00e9\":3,\"\uD83D\uDE00\":4,\"\uFF5E\":5}");
    }

    @Test
    void keepsArrayElementsInTheirOrder() throws Exception {
        // given
        String json = "[3, 1, 2, \"b\", \"a\", [\"z\", \"y\"], {\"k\": [2, 1]}]";

        // when
        String canonical = canonical(json);

        // then
        assertThat(canonical).isEqualTo("[3,1,2,\"b\",\"a\",[\"z\",\"y\"],{\"k\":[2,1]}]");
    }

    @Test
    void dropsAllInsignificantWhitespace() throws Exception {
        // given
        String json = " {\n  \"b\" : [ 1 , 2 ] ,\r\n\t\"a\" : { }\n} ";

        // when
        String canonical = canonical(json);

        // then
        assertThat(canonical).isEqualTo("{\"a\":{},\"b\":[1,2]}");
    }

    @Test
    void writesNumbersExactlyAsTheProducerWroteThem() throws Exception {
        // given
        String json =
                "{\"trailingZero\":0.350,\"exponent\":1e3,\"upperExponent\":1E+3,"
                        + "\"negativeZero\":-0,\"negativeZeroFloat\":-0.0,\"integer\":120000,"
                        + "\"huge\":123456789012345678901234567890,\"tiny\":4.9e-324,"
                        + "\"negativeExponent\":2.5E-3}";

        // when
        String canonical = canonical(json);

        // then
        assertThat(canonical)
                .isEqualTo(
                        "{\"exponent\":1e3,\"huge\":123456789012345678901234567890,"
                                + "\"integer\":120000,\"negativeExponent\":2.5E-3,"
                                + "\"negativeZero\":-0,\"negativeZeroFloat\":-0.0,"
                                + "\"tiny\":4.9e-324,\"trailingZero\":0.350,"
                                + "\"upperExponent\":1E+3}");
    }

    @Test
    void writesLiteralsAndEmptyContainers() throws Exception {
        // given
        String json = "[true, false, null, {}, [], \"\"]";

        // when
        String canonical = canonical(json);

        // then
        assertThat(canonical).isEqualTo("[true,false,null,{},[],\"\"]");
    }

    @Test
    void escapesQuoteBackslashAndTheShortControlEscapes() throws Exception {
        // given: the JSON string  a"b\c<LF>d<CR>e<TAB>f<BS>g<FF>h
        String json = "\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\"";

        // when
        String canonical = canonical(json);

        // then
        assertThat(canonical).isEqualTo("\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\"");
    }

    @Test
    void escapesOtherControlCharactersAsLowerCaseUnicodeEscapes() throws Exception {
        // given: U+0001, U+001F (written upper case by the producer) and U+0000
        String json = "\"x\\u0001y\\u001Fz\\u0000\"";

        // when
        String canonical = canonical(json);

        // then
        assertThat(canonical).isEqualTo("\"x\\u0001y\\u001fz\\u0000\"");
    }

    @Test
    void writesNonAsciiLineSeparatorDeleteAndSlashLiterally() throws Exception {
        // given: escaped é, literal €, escaped U+2028, escaped emoji surrogate pair, U+007F, \/
        String json = "\"\\u00e9 \u20ac \\u2028 \\ud83d\\ude00 \\u007f \\/\"";

        // when
        String canonical = canonical(json);

        // then
        assertThat(canonical).isEqualTo("\"\u00e9 \u20ac \u2028 \uD83D\uDE00 \u007f /\"");
        assertThat(canonical).doesNotContain("\\u");
    }

    @Test
    void escapesKeysTheSameWayAsValues() throws Exception {
        // given
        String json = "{\"k\\\"ey\\u0002\":\"v\"}";

        // when
        String canonical = canonical(json);

        // then
        assertThat(canonical).isEqualTo("{\"k\\\"ey\\u0002\":\"v\"}");
    }

    @Test
    void leavesTheParserOnTheLastTokenOfTheValue() throws Exception {
        // given
        try (JsonParser parser = JSON.createParser("[{\"b\":[1],\"a\":2},\"next\"]")) {
            parser.nextToken(); // [
            parser.nextToken(); // {

            // when
            String first = CanonicalJson.readValue(parser);

            // then
            assertThat(first).isEqualTo("{\"a\":2,\"b\":[1]}");
            assertThat(parser.currentToken()).isEqualTo(JsonToken.END_OBJECT);
            assertThat(parser.nextToken()).isEqualTo(JsonToken.VALUE_STRING);
            assertThat(parser.getText()).isEqualTo("next");
        }
    }

    @Test
    void rendersAlreadyCanonicalMembersAsOneSortedObjectWithoutReEscapingValues() {
        // given
        Map<String, Object> members = new LinkedHashMap<>();
        members.put("channel", "\"web\"");
        members.put("aiInteraction.parameters.seed", "42");
        members.put("a\"b", "{\"x\":[1,2]}");

        // when
        String canonical = CanonicalJson.render(members);

        // then
        assertThat(canonical)
                .isEqualTo(
                        "{\"a\\\"b\":{\"x\":[1,2]},\"aiInteraction.parameters.seed\":42,"
                                + "\"channel\":\"web\"}");
    }

    @Test
    void givesTheSameTextForTheSameObjectWrittenInAnotherKeyOrder() throws Exception {
        // given
        String oneOrder =
                "{\"creditScore\":720,\"annualIncome\":120000,\"nested\":{\"y\":1,\"x\":2}}";
        String otherOrder =
                "{ \"nested\": {\"x\": 2, \"y\": 1}, \"annualIncome\": 120000, \"creditScore\": 720 }";

        // when
        String first = canonical(oneOrder);
        String second = canonical(otherOrder);

        // then
        assertThat(first)
                .isEqualTo(second)
                .isEqualTo(
                        "{\"annualIncome\":120000,\"creditScore\":720,\"nested\":{\"x\":2,\"y\":1}}");
    }
}
