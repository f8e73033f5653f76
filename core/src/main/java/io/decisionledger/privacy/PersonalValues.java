package io.decisionledger.privacy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The personal values one event declares about its own subject: the user id and the values of the
 * context metadata keys the masking policy marks as personal ({@code personalMetadata}: the
 * applicant's name, address, a customer reference). No detector can know that "Jane Wei" is a name
 * or "Hauptstraße 5" an address, but the event says so, so {@link TextMasker} masks those values
 * wherever they occur in the record's free text: case-insensitively, on token boundaries (a letter
 * or digit on either side means it is part of another word), and by their parts too.
 *
 * <ul>
 *   <li>A name: the whole name, and each part on its own (given names, family names, the halves of
 *       a double name "Smith-Jones"). Parts of three or more letters match in any case; a part of
 *       two letters ("Li", "Wu") only as written, capitalised, since "li" or "wu" in lower case is
 *       rarely the name; single letters (initials) and particles or titles (van, de, Mr, Dr) are
 *       not masked on their own. "Wei" masks "wei" and "WEI" but never the "wei" of "weird" or
 *       "Weiss": the token boundary.
 *   <li>An address: the whole address, each part between commas or line breaks ("12 Baker Street",
 *       "London NW1 6XE"), the street or place without its numbers ("Baker Street", "London"), and
 *       postcodes: runs of tokens with a digit of four or more characters ("NW1 6XE", "10115"). A
 *       house number alone ("12") is not masked: it would take every 12 in the text with it.
 *   <li>The user id and {@code ID} values: the whole value, three characters or more.
 * </ul>
 *
 * Spaces inside a value match any run of white space in the text.
 */
public final class PersonalValues {

    /** What a declared metadata value holds, and so how it is split into parts. */
    public enum Kind {
        NAME("[NAME]"),
        ADDRESS("[ADDRESS]"),
        ID("[ID]");

        private final String placeholder;

        Kind(String placeholder) {
            this.placeholder = placeholder;
        }

        public String placeholder() {
            return placeholder;
        }
    }

    /** The placeholder of the user id. */
    public static final String USER_ID = "[USER_ID]";

    /** No declared values: masks nothing. */
    public static final PersonalValues NONE = new PersonalValues(List.of());

    /** Shorter name parts are initials; shorter ids and whole values would mask ordinary words. */
    static final int MIN_VALUE_LENGTH = 3;

    /** Parts of this length match only in the case they are written in ("Li", not "li"). */
    static final int CASE_SENSITIVE_LENGTH = 2;

    /** Postcodes: a run of tokens with digits at least this long (without spaces). */
    static final int MIN_POSTCODE_LENGTH = 4;

    private static final Set<String> PARTICLES =
            Set.of(
                    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le",
                    "bin", "ibn", "al", "el", "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "jr",
                    "sr");

    private static final Set<String> ADDRESS_WORDS =
            Set.of(
                    "apt",
                    "apartment",
                    "flat",
                    "suite",
                    "unit",
                    "floor",
                    "room",
                    "building",
                    "po",
                    "box",
                    "no");

    private static final JsonFactory JSON = new JsonFactory();

    /** One value to mask: the text to look for and what replaces it. */
    record Term(String text, boolean caseSensitive, String placeholder) {}

    /** Receives each finding: [start, end) of the text and its placeholder. */
    interface Findings {
        void add(int start, int end, String placeholder);
    }

    private final List<Term> terms;

    /**
     * For each ASCII character, whether some term can start with it (by {@link #matchAt}'s own
     * comparison): most token boundaries in a prompt start with a character no term starts with,
     * and are passed over without trying every term. Non-ASCII characters always try them.
     */
    private final boolean[] asciiStarts;

    private PersonalValues(List<Term> terms) {
        this.terms = terms;
        this.asciiStarts = asciiStarts(terms);
    }

    /**
     * For each ASCII character, whether some term can start with it: as {@link #matchAt} compares a
     * term's first character (a space matches any white space; case folded unless the term is
     * case-sensitive). Made per event, so without allocating.
     */
    static boolean[] asciiStarts(List<Term> terms) {
        boolean[] starts = new boolean[128];
        for (Term t : terms) {
            if (t.text().isEmpty()) {
                java.util.Arrays.fill(starts, true);
                continue;
            }
            char first = t.text().charAt(0);
            for (char c = 0; c < 128; c++) {
                starts[c] |=
                        first == ' '
                                ? Character.isWhitespace(c)
                                : c == first || (!t.caseSensitive() && sameIgnoringCase(c, first));
            }
        }
        return starts;
    }

    /**
     * The values an event declares: its user id, and the values of the {@code declared} keys found
     * at the top level of its context metadata (JSON object text; null when none). A declared key
     * holding an object or a list contributes every string and number inside it.
     */
    public static PersonalValues of(
            String userId, String metadataJson, Map<String, Kind> declared) {
        Builder b = new Builder();
        if (userId != null) {
            b.whole(userId, USER_ID);
        }
        if (metadataJson != null && !declared.isEmpty()) {
            try (JsonParser p = JSON.createParser(metadataJson)) {
                if (p.nextToken() == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        Kind kind = declared.get(p.currentName());
                        p.nextToken();
                        if (kind == null) {
                            p.skipChildren();
                        } else if (p.currentToken().isStructStart()) {
                            int depth = 1;
                            while (depth > 0) {
                                JsonToken t = p.nextToken();
                                if (t.isStructStart()) {
                                    depth++;
                                } else if (t.isStructEnd()) {
                                    depth--;
                                } else if (t.isScalarValue()) {
                                    b.add(p.getText(), kind);
                                }
                            }
                        } else if (p.currentToken() != JsonToken.VALUE_NULL) {
                            b.add(p.getText(), kind);
                        }
                    }
                }
            } catch (IOException e) {
                // ingest stores only metadata it parsed, so this is not expected; the message
                // names no value, since the text is personal
                throw new IllegalArgumentException(
                        "context metadata is not a JSON object: " + e.getClass().getSimpleName());
            }
        }
        return b.build();
    }

    /** The given values of one kind; for tests and tools. */
    public static PersonalValues of(Kind kind, String... values) {
        Builder b = new Builder();
        for (String v : values) {
            b.add(v, kind);
        }
        return b.build();
    }

    public boolean isEmpty() {
        return terms.isEmpty();
    }

    /** What is looked for; for tests. */
    List<Term> terms() {
        return terms;
    }

    /**
     * Every occurrence of a declared value in {@code text}, longest first where two start alike.
     */
    void find(String text, Findings findings) {
        if (terms.isEmpty()) {
            return;
        }
        int n = text.length();
        for (int i = 0; i < n; i++) {
            if (i > 0 && isWordChar(text, i - 1)) {
                continue; // not at a token boundary
            }
            char c = text.charAt(i);
            if (c < 128 && !asciiStarts[c]) {
                continue; // no term starts with this character
            }
            for (Term t : terms) { // longest first: the first that matches wins
                int end = matchAt(text, i, t);
                if (end > 0 && (end == n || !isWordChar(text, end))) {
                    findings.add(i, end, t.placeholder());
                    i = end - 1;
                    break;
                }
            }
        }
    }

    /** Whether {@code c} alone matches the term's first character; for tests of the table. */
    static boolean matchesFirst(char c, Term term) {
        return matchAt(String.valueOf(c), 0, term.text().substring(0, 1), term) > 0;
    }

    /** Where {@code term} ends if it starts at {@code i}, or -1; spaces match any white space. */
    private static int matchAt(String text, int i, Term term) {
        return matchAt(text, i, term.text(), term);
    }

    /** As above, for the term's text {@code t} (or a prefix of it). */
    private static int matchAt(String text, int i, String t, Term term) {
        int n = text.length();
        int k = i;
        for (int j = 0; j < t.length(); j++) {
            char tc = t.charAt(j);
            if (tc == ' ') {
                if (k >= n || !Character.isWhitespace(text.charAt(k))) {
                    return -1;
                }
                while (k < n && Character.isWhitespace(text.charAt(k))) {
                    k++;
                }
                continue;
            }
            if (k >= n) {
                return -1;
            }
            char c = text.charAt(k);
            if (c != tc && (term.caseSensitive() || !sameIgnoringCase(c, tc))) {
                return -1;
            }
            k++;
        }
        return k;
    }

    /**
     * Whether two characters are equal ignoring case: equal lower cases or equal upper cases. Two
     * ASCII characters are compared by folding A–Z only (the same answer, without Character's
     * tables: this runs for every candidate position of every text field); anything else goes
     * through Character, where e.g. the long s (U+017F) matches 's' and the Kelvin sign (U+212A)
     * matches 'k'.
     */
    static boolean sameIgnoringCase(char c, char tc) {
        if ((c | tc) < 128) {
            return asciiLower(c) == asciiLower(tc);
        }
        return Character.toLowerCase(c) == Character.toLowerCase(tc)
                || Character.toUpperCase(c) == Character.toUpperCase(tc);
    }

    private static char asciiLower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    private static boolean isWordChar(String text, int i) {
        return Character.isLetterOrDigit(text.charAt(i));
    }

    private static final class Builder {
        private final Set<Term> terms = new LinkedHashSet<>();

        void add(String value, Kind kind) {
            switch (kind) {
                case NAME -> name(value);
                case ADDRESS -> address(value);
                case ID -> whole(value, Kind.ID.placeholder());
            }
        }

        void whole(String value, String placeholder) {
            String v = normalise(value);
            if (v.length() >= MIN_VALUE_LENGTH) {
                terms.add(new Term(v, false, placeholder));
            }
        }

        void name(String value) {
            String v = normalise(value);
            whole(v, Kind.NAME.placeholder());
            for (String token : v.split("[\\s,]+")) {
                part(token);
                if (token.indexOf('-') > 0) {
                    for (String half : token.split("-")) {
                        part(half);
                    }
                }
            }
        }

        private void part(String token) {
            String p = trimPunctuation(token);
            if (PARTICLES.contains(p.toLowerCase(Locale.ROOT)) || letters(p) < 2) {
                return;
            }
            if (p.length() >= MIN_VALUE_LENGTH) {
                terms.add(new Term(p, false, Kind.NAME.placeholder()));
            } else if (p.length() == CASE_SENSITIVE_LENGTH) {
                terms.add(new Term(p, true, Kind.NAME.placeholder()));
            }
        }

        void address(String value) {
            String placeholder = Kind.ADDRESS.placeholder();
            whole(value, placeholder);
            for (String segment : value.split("[,;\\n]+")) {
                String s = normalise(segment);
                whole(s, placeholder);
                List<String> words = new ArrayList<>();
                List<String> code = new ArrayList<>();
                for (String token : s.split(" ")) {
                    String t = trimPunctuation(token);
                    if (t.isEmpty()) {
                        continue;
                    }
                    if (t.chars().anyMatch(Character::isDigit)) {
                        code.add(t);
                    } else {
                        postcode(code);
                        if (!ADDRESS_WORDS.contains(t.toLowerCase(Locale.ROOT))) {
                            words.add(t);
                        }
                    }
                }
                postcode(code);
                String street = String.join(" ", words);
                if (letters(street) >= MIN_VALUE_LENGTH + 1 && !street.equals(s)) {
                    terms.add(new Term(street, false, placeholder));
                }
            }
        }

        private void postcode(List<String> code) {
            if (code.isEmpty()) {
                return;
            }
            String run = String.join(" ", code);
            if (run.replace(" ", "").length() >= MIN_POSTCODE_LENGTH) {
                terms.add(new Term(run, false, Kind.ADDRESS.placeholder()));
            }
            code.clear();
        }

        PersonalValues build() {
            if (terms.isEmpty()) {
                return NONE;
            }
            List<Term> sorted = new ArrayList<>(terms);
            sorted.sort(Comparator.comparingInt((Term t) -> t.text().length()).reversed());
            return new PersonalValues(List.copyOf(sorted));
        }

        private static String normalise(String value) {
            return value.strip().replaceAll("\\s+", " ");
        }

        private static String trimPunctuation(String token) {
            int from = 0;
            int to = token.length();
            while (from < to && !Character.isLetterOrDigit(token.charAt(from))) {
                from++;
            }
            while (to > from && !Character.isLetterOrDigit(token.charAt(to - 1))) {
                to--;
            }
            return token.substring(from, to);
        }

        private static int letters(String s) {
            return (int) s.chars().filter(Character::isLetter).count();
        }
    }
}
