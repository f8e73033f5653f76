package io.decisionledger.privacy;

import com.google.i18n.phonenumbers.PhoneNumberMatch;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import java.time.Year;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.validator.routines.IBANValidator;
import org.apache.commons.validator.routines.InetAddressValidator;
import org.apache.commons.validator.routines.checkdigit.LuhnCheckDigit;

/**
 * Finds personal data in free text and replaces each finding with a typed placeholder. Regexes only
 * propose candidates; where a checksum or a grammar exists a library confirms them (Luhn for cards,
 * ISO 13616 mod-97 for IBANs, libphonenumber for phone numbers, commons-validator for IP
 * addresses), so ordinary numbers (amounts, loan ids, scores) survive. Dates are masked as dates of
 * birth when they are old enough to be one (year at most this year minus 16) or follow a birth
 * keyword; recent dates, such as decision dates, stay. One instance per thread.
 */
public final class TextMasker {

    private static final Pattern EMAIL =
            Pattern.compile(
                    "(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");
    private static final Pattern SSN =
            Pattern.compile(
                    "(?<!\\d)(?<!\\d-)(?!000|666|9\\d\\d)\\d{3}([- ])(?!00)\\d{2}\\1(?!0000)\\d{4}(?!\\d|-\\d)");
    private static final Pattern CARD =
            Pattern.compile("(?<!\\d)(?<!\\d-)\\d(?:[ -]?\\d){12,18}(?!\\d|-\\d)");
    private static final Pattern IBAN =
            Pattern.compile("\\b[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}\\b");
    private static final Pattern IPV4 =
            Pattern.compile("(?<!\\d)(?<!\\d\\.)(?:\\d{1,3}\\.){3}\\d{1,3}(?!\\d|\\.\\d)");
    private static final Pattern IPV6 =
            Pattern.compile(
                    "(?<![\\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\\d{1,3}\\.){3}\\d{1,3})?(?![\\w:])");
    private static final String MONTHS =
            "(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)";

    /** Group "y" holds the year in every alternative. */
    private static final Pattern DATE =
            Pattern.compile(
                    "(?=[0-9JFMASONDjfmasond])(?<!\\d)(?<!\\d[/.-])(?:(?<y1>(?:19|20)\\d{2})(?<sep>[/.-])(?:0?[1-9]|1[0-2])\\k<sep>(?:0?[1-9]|[12]\\d|3[01])"
                            + "|(?:\\d{1,2})[/.-](?:\\d{1,2})[/.-](?<y2>(?:19|20)\\d{2})"
                            + "|(?:\\d{1,2})(?:st|nd|rd|th)?(?: |(?<dsep>[-/.]))"
                            + MONTHS
                            + "(?:\\.?,? |\\k<dsep>)(?<y3>(?:19|20)\\d{2})"
                            + "|"
                            + MONTHS
                            + "\\.? (?:\\d{1,2})(?:st|nd|rd|th)?,? (?<y4>(?:19|20)\\d{2}))(?!\\d|[/.-]\\d)",
                    Pattern.CASE_INSENSITIVE);

    private static final Pattern BIRTH_KEYWORD =
            Pattern.compile(
                    "(?:born|birth|d\\.?o\\.?b\\.?|birthday)\\W{0,3}(?:\\w+\\W{1,3}){0,3}$",
                    Pattern.CASE_INSENSITIVE);

    /** A run of digits and phone punctuation, optionally after "+" and "(": a phone candidate. */
    private static final Pattern PHONE_RUN = Pattern.compile("\\+?\\(?\\d[\\d ()./-]*\\d");

    /**
     * How far a DATE match reaches before and after the year (19xx or 20xx) every alternative
     * contains: at most "28th September, " (17 characters) before it and "-12-31" (6) after it;
     * rounded up, since a wider window costs little and a narrower one would lose dates.
     */
    private static final int DATE_BEFORE_YEAR = 24;

    private static final int DATE_AFTER_YEAR = 12;

    /** "00" + country code at the start of a number, e.g. "0044 20 7946 0958". */
    private static final Pattern EUROPEAN_IDD = Pattern.compile("(?<![\\w+])00(?=[1-9]\\d)");

    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final IBANValidator IBANS = IBANValidator.getInstance();
    private static final InetAddressValidator IPS = InetAddressValidator.getInstance();

    // What each run of the scan may hold, per ASCII character (no pattern matches anything else).
    private static final byte EMAIL_CHAR = 1; // EMAIL: local part, domain and "@"
    private static final byte IBAN_CHAR = 2; // IBAN: capitals, digits, space
    private static final byte NUMBER_CHAR = 4; // CARD, SSN, IPV4, PHONE_RUN: digits, " -./()+"
    private static final byte IPV6_CHAR = 8; // IPV6: hex digits, ":" and "." of an IPv4 tail
    private static final byte DIGIT = 16;
    private static final byte[] CHAR_CLASSES = new byte[128];

    static {
        for (char c = 0; c < 128; c++) {
            boolean digit = c >= '0' && c <= '9';
            boolean upper = c >= 'A' && c <= 'Z';
            boolean lower = c >= 'a' && c <= 'z';
            int cls = 0;
            if (digit || upper || lower || "._%+-@".indexOf(c) >= 0) {
                cls |= EMAIL_CHAR;
            }
            if (digit || upper || c == ' ') {
                cls |= IBAN_CHAR;
            }
            if (digit || " -./()+".indexOf(c) >= 0) {
                cls |= NUMBER_CHAR;
            }
            if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.') {
                cls |= IPV6_CHAR;
            }
            if (digit) {
                cls |= DIGIT;
            }
            CHAR_CLASSES[c] = (byte) cls;
        }
    }

    private final int youngestBirthYear = Year.now().getValue() - 16;

    /** The text being scanned, plus one character that ends every run. */
    private char[] chars = new char[1024];

    // Where each detector may find something in the text being masked, from one scan of its
    // characters (see scan); the regexes run on these windows only, never on the whole text.
    private final Windows emails = new Windows();
    private final Windows ibans = new Windows();
    private final Windows numbers = new Windows();
    private final Windows dates = new Windows();
    private final Windows ipv6s = new Windows();

    // One matcher per pattern, reset for every window: transparent bounds, so look-behinds,
    // look-aheads and \b see the text around the window exactly as they would in a scan of the
    // whole text.
    private final Matcher emailMatcher = transparent(EMAIL);
    private final Matcher ibanMatcher = transparent(IBAN);
    private final Matcher cardMatcher = transparent(CARD);
    private final Matcher ssnMatcher = transparent(SSN);
    private final Matcher ipv4Matcher = transparent(IPV4);
    private final Matcher ipv6Matcher = transparent(IPV6);
    private final Matcher dateMatcher = transparent(DATE);
    private final Matcher phoneRunMatcher = transparent(PHONE_RUN);

    /** One finding: [start, end) of the text, and what replaces it. */
    private record Span(int start, int end, int precedence, String placeholder) {}

    /** The result of masking one text. */
    public record Masked(String text, int replaced) {}

    /**
     * Masks {@code text} with the given detectors and extra patterns (name → pattern, replaced by
     * {@code [NAME]}).
     *
     * @param phoneRegion ISO 3166 region for numbers written without a country code, e.g. "US"
     */
    public Masked mask(
            String text,
            Set<PiiKind> kinds,
            Map<String, Pattern> extraPatterns,
            String phoneRegion) {
        return mask(text, kinds, extraPatterns, List.of(phoneRegion), PersonalValues.NONE);
    }

    /**
     * Masks {@code text} with the given detectors, extra patterns, and the personal values the
     * record declares ({@link PersonalValues}: masked whatever the detectors are).
     *
     * @param phoneRegions ISO 3166 regions whose national formats (no country code) are read as
     *     phone numbers, e.g. [GB, DE]; numbers with "+" or "00" and a country code are found with
     *     any of them
     */
    public Masked mask(
            String text,
            Set<PiiKind> kinds,
            Map<String, Pattern> extraPatterns,
            List<String> phoneRegions,
            PersonalValues personal) {
        if (text == null || text.isEmpty()) {
            return new Masked(text, 0);
        }
        List<Span> spans = new ArrayList<>();
        int personalPrecedence = PiiKind.values().length;
        personal.find(
                text,
                (start, end, placeholder) ->
                        spans.add(new Span(start, end, personalPrecedence, placeholder)));
        scan(text, kinds);
        if (kinds.contains(PiiKind.EMAIL)) {
            for (int w = 0; w < emails.size(); w++) {
                addAll(spans, within(emailMatcher, text, emails, w), PiiKind.EMAIL);
            }
        }
        if (kinds.contains(PiiKind.IBAN)) {
            for (int w = 0; w < ibans.size(); w++) {
                Matcher m = within(ibanMatcher, text, ibans, w);
                while (m.find()) {
                    int end = ibanEnd(text, m.start(), m.end());
                    if (end > 0) {
                        spans.add(span(m.start(), end, PiiKind.IBAN));
                    }
                }
            }
        }
        if (kinds.contains(PiiKind.CARD)) {
            for (int w = 0; w < numbers.size(); w++) {
                if (numbers.digits(w) < 13) {
                    continue;
                }
                Matcher m = within(cardMatcher, text, numbers, w);
                while (m.find()) {
                    String cardDigits = m.group().replace(" ", "").replace("-", "");
                    if (cardDigits.length() >= 13
                            && cardDigits.length() <= 19
                            && LuhnCheckDigit.LUHN_CHECK_DIGIT.isValid(cardDigits)) {
                        spans.add(span(m.start(), m.end(), PiiKind.CARD));
                    }
                }
            }
        }
        if (kinds.contains(PiiKind.SSN)) {
            for (int w = 0; w < numbers.size(); w++) {
                if (numbers.digits(w) >= 9) {
                    addAll(spans, within(ssnMatcher, text, numbers, w), PiiKind.SSN);
                }
            }
        }
        if (kinds.contains(PiiKind.IP)) {
            for (int w = 0; w < numbers.size(); w++) {
                if (numbers.dots(w) < 3) {
                    continue;
                }
                Matcher m = within(ipv4Matcher, text, numbers, w);
                while (m.find()) {
                    if (IPS.isValidInet4Address(m.group())) {
                        spans.add(span(m.start(), m.end(), PiiKind.IP));
                    }
                }
            }
        }
        if (kinds.contains(PiiKind.DOB)) {
            for (int w = 0; w < dates.size(); w++) {
                Matcher m = within(dateMatcher, text, dates, w);
                while (m.find()) {
                    if (looksLikeBirthDate(text, m)) {
                        spans.add(span(m.start(), m.end(), PiiKind.DOB));
                    }
                }
            }
        }
        if (kinds.contains(PiiKind.PHONE)) {
            for (int w = 0; w < numbers.size(); w++) {
                if (numbers.digits(w) >= 7) {
                    for (int r = 0; r < phoneRegions.size(); r++) {
                        addPhones(
                                spans,
                                text,
                                within(phoneRunMatcher, text, numbers, w),
                                phoneRegions.get(r),
                                r == 0);
                    }
                }
            }
        }
        if (kinds.contains(PiiKind.IP)) {
            for (int w = 0; w < ipv6s.size(); w++) {
                Matcher m = within(ipv6Matcher, text, ipv6s, w);
                while (m.find()) {
                    String candidate = m.group();
                    if (candidate.length() > 2 && IPS.isValidInet6Address(candidate)) {
                        spans.add(span(m.start(), m.end(), PiiKind.IP));
                    }
                }
            }
        }
        int precedence = personalPrecedence + 1;
        for (Map.Entry<String, Pattern> extra : extraPatterns.entrySet()) {
            Matcher m = extra.getValue().matcher(text);
            String placeholder = "[" + extra.getKey().toUpperCase(Locale.ROOT) + "]";
            while (m.find()) {
                if (m.end() > m.start()) {
                    spans.add(new Span(m.start(), m.end(), precedence, placeholder));
                }
            }
            precedence++;
        }
        return replace(text, spans);
    }

    /**
     * Finds, in one pass over {@code text}, the windows each detector has to look at. Every window
     * is a maximal run of the characters the detector's pattern can match (an e-mail's run must
     * hold an "@", an IPv6 run two colons, a number run a digit; an IBAN's starts at two capitals
     * and two digits), or for dates the reach of the pattern around a year. A match can only lie
     * inside such a window and the windows of one detector are disjoint, so running the pattern on
     * each window with transparent bounds finds exactly the matches a scan of the whole text would,
     * at the cost of a scan of the few places where something can be. Most free text has no "@",
     * few digits and no colon between hex digits, so most detectors have no window at all.
     */
    private void scan(String text, Set<PiiKind> kinds) {
        emails.clear();
        ibans.clear();
        numbers.clear();
        dates.clear();
        ipv6s.clear();
        boolean wantDates = kinds.contains(PiiKind.DOB);
        int n = text.length();
        if (chars.length < n + 1) {
            chars = new char[Math.max(n + 1, 2 * chars.length)];
        }
        char[] t = chars;
        text.getChars(0, n, t, 0);
        t[n] = '\n'; // belongs to no run: closes the runs still open at the end of the text
        int emailStart = -1;
        boolean emailAt = false;
        int ibanRun = -1;
        int ibanStart = -1;
        int numberStart = -1;
        int numberDigits = 0;
        int numberDots = 0;
        int ipv6Start = -1;
        int ipv6Colons = 0;
        for (int i = 0; i <= n; i++) {
            char c = t[i];
            int cls = c < 128 ? CHAR_CLASSES[c] : 0;

            if ((cls & EMAIL_CHAR) != 0) {
                if (emailStart < 0) {
                    emailStart = i;
                    emailAt = false;
                }
                emailAt |= c == '@';
            } else if (emailStart >= 0) {
                if (emailAt) {
                    emails.add(emailStart, i);
                }
                emailStart = -1;
            }

            if ((cls & IBAN_CHAR) != 0) {
                if (ibanRun < 0) {
                    ibanRun = i;
                    ibanStart = -1;
                }
                if (ibanStart < 0
                        && isUpper(c)
                        && i + 3 < n
                        && isUpper(t[i + 1])
                        && isDigit(t[i + 2])
                        && isDigit(t[i + 3])) {
                    ibanStart = i;
                }
            } else if (ibanRun >= 0) {
                if (ibanStart >= 0) {
                    ibans.add(ibanStart, i);
                }
                ibanRun = -1;
            }

            if ((cls & NUMBER_CHAR) != 0) {
                if (numberStart < 0) {
                    numberStart = i;
                    numberDigits = 0;
                    numberDots = 0;
                }
                if ((cls & DIGIT) != 0) {
                    numberDigits++;
                    if (wantDates
                            && (c == '1' || c == '2')
                            && i + 3 < n
                            && t[i + 1] == (c == '1' ? '9' : '0')
                            && isDigit(t[i + 2])
                            && isDigit(t[i + 3])) {
                        dates.add(
                                Math.max(0, i - DATE_BEFORE_YEAR),
                                Math.min(n, i + 4 + DATE_AFTER_YEAR));
                    }
                } else if (c == '.' && i > 0 && isDigit(t[i - 1]) && isDigit(t[i + 1])) {
                    numberDots++;
                }
            } else if (numberStart >= 0) {
                if (numberDigits > 0) {
                    numbers.add(numberStart, i, numberDigits, numberDots);
                }
                numberStart = -1;
            }

            if ((cls & IPV6_CHAR) != 0) {
                if (ipv6Start < 0) {
                    ipv6Start = i;
                    ipv6Colons = 0;
                }
                if (c == ':') {
                    ipv6Colons++;
                }
            } else if (ipv6Start >= 0) {
                if (ipv6Colons >= 2) {
                    ipv6s.add(ipv6Start, i);
                }
                ipv6Start = -1;
            }
        }
    }

    /** {@code matcher} on {@code text}, limited to window {@code w}. */
    private static Matcher within(Matcher matcher, String text, Windows windows, int w) {
        return matcher.reset(text).region(windows.start(w), windows.end(w));
    }

    private static Matcher transparent(Pattern pattern) {
        return pattern.matcher("").useTransparentBounds(true).useAnchoringBounds(false);
    }

    /**
     * Disjoint [start, end) stretches of one text in ascending order, each with the digits and dots
     * found in it; adding one that overlaps the last widens the last.
     */
    private static final class Windows {
        private int[] data = new int[4 * 8];
        private int size;

        void clear() {
            size = 0;
        }

        int size() {
            return size;
        }

        int start(int w) {
            return data[4 * w];
        }

        int end(int w) {
            return data[4 * w + 1];
        }

        int digits(int w) {
            return data[4 * w + 2];
        }

        int dots(int w) {
            return data[4 * w + 3];
        }

        void add(int start, int end) {
            add(start, end, 0, 0);
        }

        void add(int start, int end, int digits, int dots) {
            if (size > 0 && start <= end(size - 1)) {
                int last = 4 * (size - 1);
                data[last + 1] = Math.max(data[last + 1], end);
                data[last + 2] += digits;
                data[last + 3] += dots;
                return;
            }
            if (4 * (size + 1) > data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            int at = 4 * size;
            data[at] = start;
            data[at + 1] = end;
            data[at + 2] = digits;
            data[at + 3] = dots;
            size++;
        }
    }

    private static void addPhones(
            List<Span> spans, String text, Matcher run, String region, boolean firstRegion) {
        // libphonenumber parses every number-like run it sees (amounts, ids, years), which is
        // most of the masking's cost; only runs with enough digits to be a phone number go to it.
        // After the first region, runs with a "+" are skipped: the first found their country
        // code, whatever the region.
        while (run.find()) {
            if (digitCount(run.group()) >= 7 && (firstRegion || run.group().indexOf('+') < 0)) {
                addPhones(spans, text, run.start(), run.end(), region);
            }
        }
    }

    /**
     * Phone numbers as libphonenumber finds them in {@code text[from, to)}, with three corrections:
     * "00" before a country code (the international prefix in most of Europe) is read as "+"
     * whatever the default region; a match that starts with an unclosed "(" leaves the "(" in the
     * text; and a number glued to a word or an identifier (LN-2026-000123, ref_4155550143) is part
     * of that identifier, not a phone number.
     */
    private static void addPhones(List<Span> spans, String text, int from, int to, String region) {
        String original = text.substring(from, to);
        String scanned = original;
        Matcher idd = EUROPEAN_IDD.matcher(original);
        if (idd.find()) {
            StringBuilder b = new StringBuilder(original);
            do {
                b.setCharAt(idd.start(), ' ');
                b.setCharAt(idd.start() + 1, '+');
            } while (idd.find());
            scanned = b.toString();
        }
        for (PhoneNumberMatch match :
                PHONES.findNumbers(
                        scanned,
                        region,
                        PhoneNumberUtil.Leniency.STRICT_GROUPING,
                        Long.MAX_VALUE)) {
            int start = match.start();
            int end = match.end();
            if (start > 0 && scanned.charAt(start) == '+' && original.charAt(start) == '0') {
                start--; // the "00" the scan read as "+"
            }
            start += from;
            end += from;
            if (text.charAt(start) == '(' && unclosed(text, start, end)) {
                start++;
            }
            if (partOfIdentifier(text, start, end)) {
                continue;
            }
            spans.add(span(start, end, PiiKind.PHONE));
        }
    }

    private static boolean unclosed(String text, int start, int end) {
        int depth = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            }
        }
        return depth > 0;
    }

    private static boolean partOfIdentifier(String text, int start, int end) {
        if (start > 0) {
            char before = text.charAt(start - 1);
            if (Character.isLetterOrDigit(before) || before == '_' || before == '/') {
                return true;
            }
            if ((before == '-' || before == '#')
                    && start > 1
                    && Character.isLetterOrDigit(text.charAt(start - 2))) {
                return true;
            }
        }
        if (end < text.length()) {
            char after = text.charAt(end);
            if (Character.isLetterOrDigit(after) || after == '_') {
                return true;
            }
            if (after == '-'
                    && end + 1 < text.length()
                    && Character.isLetterOrDigit(text.charAt(end + 1))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Where the IBAN starting at {@code start} ends, or -1: the candidate regex may run on into the
     * next words ("DE89 … 00 BIC COBADEFFXXX"), so the longest prefix of the candidate that passes
     * the country's format and mod-97 check (ISO 13616) and does not end inside a word is taken.
     */
    private static int ibanEnd(String text, int start, int candidateEnd) {
        if (IBANS.getValidator(text.substring(start, start + 2)) == null) {
            return -1;
        }
        StringBuilder compact = new StringBuilder(34);
        List<Integer> ends = new ArrayList<>(34);
        for (int i = start; i < candidateEnd; i++) {
            char c = text.charAt(i);
            if (c != ' ') {
                compact.append(c);
                ends.add(i + 1);
            }
        }
        for (int length = Math.min(34, compact.length()); length >= 15; length--) {
            int end = ends.get(length - 1);
            if ((end == text.length() || !Character.isLetterOrDigit(text.charAt(end)))
                    && IBANS.isValid(compact.substring(0, length))) {
                return end;
            }
        }
        return -1;
    }

    private boolean looksLikeBirthDate(String text, Matcher m) {
        String year = firstNonNull(m.group("y1"), m.group("y2"), m.group("y3"), m.group("y4"));
        if (year != null && Integer.parseInt(year) <= youngestBirthYear) {
            return true;
        }
        String before = text.substring(Math.max(0, m.start() - 40), m.start());
        return BIRTH_KEYWORD.matcher(before).find();
    }

    private static Masked replace(String text, List<Span> spans) {
        if (spans.isEmpty()) {
            return new Masked(text, 0);
        }
        // Keep the strongest of overlapping findings: earliest start, then precedence, then
        // longest.
        spans.sort(
                Comparator.comparingInt(Span::start)
                        .thenComparingInt(Span::precedence)
                        .thenComparing(Comparator.comparingInt(Span::end).reversed()));
        StringBuilder out = new StringBuilder(text.length());
        int pos = 0;
        int replaced = 0;
        Span current = null;
        for (Span s : spans) {
            if (current != null && s.start() < current.end()) {
                if (s.precedence() < current.precedence() || s.end() > current.end()) {
                    // widen the current replacement to cover an overlapping finding
                    current =
                            new Span(
                                    current.start(),
                                    Math.max(current.end(), s.end()),
                                    Math.min(current.precedence(), s.precedence()),
                                    s.precedence() < current.precedence()
                                            ? s.placeholder()
                                            : current.placeholder());
                }
                continue;
            }
            if (current != null) {
                out.append(text, pos, current.start()).append(current.placeholder());
                pos = current.end();
                replaced++;
            }
            current = s;
        }
        out.append(text, pos, current.start()).append(current.placeholder());
        pos = current.end();
        replaced++;
        out.append(text, pos, text.length());
        return new Masked(out.toString(), replaced);
    }

    private static void addAll(List<Span> spans, Matcher m, PiiKind kind) {
        while (m.find()) {
            spans.add(span(m.start(), m.end(), kind));
        }
    }

    private static Span span(int start, int end, PiiKind kind) {
        return new Span(start, end, kind.ordinal(), kind.placeholder());
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    private static int digitCount(String text) {
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                n++;
            }
        }
        return n;
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    public static Set<PiiKind> allKinds() {
        return EnumSet.allOf(PiiKind.class);
    }
}
