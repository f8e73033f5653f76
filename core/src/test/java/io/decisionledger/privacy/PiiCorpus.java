package io.decisionledger.privacy;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.format.TextStyle;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Test corpora for the masker: realistic personal data of every {@link PiiKind} in the formats
 * people write it in, valid by construction (Luhn check digits for cards, ISO 13616 mod-97 check
 * digits and national check digits for IBANs, phone numbers libphonenumber accepts, SSNs outside
 * the never-issued ranges, plausible birth dates), and realistic text an underwriting operator must
 * keep readable. Generated from a fixed seed, so every run sees the same values.
 */
public final class PiiCorpus {

    /** One value of personal data, and the format it is written in (for reports). */
    public record Entry(PiiKind kind, String value, String format) {}

    private static final long SEED = 20261127L;
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

    /** The sentence with the value directly inside parentheses. */
    static final String PARENTHESES_SENTENCE = "Contact on file ({}) confirmed by the branch";

    /**
     * Sentences a value is embedded in ({@code {}} marks where): at the start, in the middle, at
     * the end before a full stop, in quotes, in parentheses, squeezed between punctuation, on a
     * line of its own, before a question mark. None contains a digit or an '@'.
     */
    public static final List<String> SENTENCES =
            List.of(
                    "{} was given by the applicant on the phone",
                    "Applicant stated {} in the interview and asked for a quick decision",
                    "Please verify the detail the applicant provided: {}.",
                    "Recorded value \"{}\", plus income proof; see notes",
                    "Customer details (per KYC form: {}) were checked.",
                    PARENTHESES_SENTENCE,
                    "id={};status=pending",
                    "Notes from branch:\n{}\nEnd of notes",
                    "Can you confirm {}?");

    public static String sentence(String template, String value) {
        return template.replace("{}", value);
    }

    /**
     * An exact input the current {@link TextMasker} does not mask as it should: {@code value}
     * (personal data) is not replaced by a placeholder as a whole. {@code leaks} says whether
     * personal data stays readable (true) or only the text around the placeholder is damaged
     * (false). {@code TextMaskerTest} checks that every gap still reproduces, so this list must
     * shrink when the detector is fixed; every corpus sentence not listed here must be masked
     * exactly.
     */
    public record KnownGap(String input, String value, boolean leaks, String reason) {}

    /** The known detector gaps; see {@link KnownGap}. */
    public static List<KnownGap> knownDetectorGaps() {
        return Generated.KNOWN_GAPS;
    }

    private static List<KnownGap> generateKnownGaps(List<Entry> pii) {
        // None at present. Fixed so far (TextMaskerTest#formerGapsAreMasked): a phone number
        // directly inside parentheses, an IBAN followed by an upper-case word or a currency code,
        // the European 00 international prefix, 15-Mar-1980 and 1980/03/15.
        return List.of();
    }

    /** Generated on first use, after every other static field of this class is set. */
    private static final class Generated {
        static final List<Entry> PII = Collections.unmodifiableList(generatePii());
        static final List<String> NON_PII = Collections.unmodifiableList(generateNonPii());
        static final List<KnownGap> KNOWN_GAPS =
                Collections.unmodifiableList(generateKnownGaps(PII));
    }

    private PiiCorpus() {}

    /** At least 240 distinct values, at least 25 of each kind. */
    public static List<Entry> pii() {
        return Generated.PII;
    }

    /** At least 200 distinct strings without personal data that operators need to read. */
    public static List<String> nonPii() {
        return Generated.NON_PII;
    }

    // ---------------------------------------------------------------------------------------
    // personal data

    private static List<Entry> generatePii() {
        Random random = new Random(SEED);
        List<Entry> all = new ArrayList<>();
        all.addAll(emails(random));
        all.addAll(phones(random));
        all.addAll(ssns(random));
        all.addAll(cards(random));
        all.addAll(ibans(random));
        all.addAll(ips(random));
        all.addAll(birthDates(random));
        Map<PiiKind, Integer> perKind = new EnumMap<>(PiiKind.class);
        Set<String> seen = new LinkedHashSet<>();
        for (Entry e : all) {
            if (!seen.add(e.value())) {
                throw new IllegalStateException("duplicate corpus value " + e.value());
            }
            perKind.merge(e.kind(), 1, Integer::sum);
        }
        for (PiiKind kind : PiiKind.values()) {
            if (perKind.getOrDefault(kind, 0) < 25) {
                throw new IllegalStateException("fewer than 25 values of " + kind);
            }
        }
        return all;
    }

    private static final String[] FIRST =
            "anna,james,maria,mohammed,sophie,lukas,chen,priya,oliver,fatima,lars,isabella,kenji,noah,amelie,diego,hannah,rahul,chloe,mateo,emma,jonas,aisha,liam,yuki,sara,pierre,olga,tomas,ines"
                    .split(",");
    private static final String[] LAST =
            "schmidt,garcia,nguyen,okafor,rossi,dubois,kowalski,tanaka,oconnor,andersson,silva,patel,muller,jensen,moreau,fischer,brown,kim,novak,haddad,costa,walker,yamamoto,lopez,bauer"
                    .split(",");

    private static List<Entry> emails(Random random) {
        String[][] domains = {
            {"gmail.com", "plain"},
            {"outlook.com", "plain"},
            {"web.de", "country TLD"},
            {"orange.fr", "country TLD"},
            {"libero.it", "country TLD"},
            {"mail.example.co.uk", "sub-domain, country TLD"},
            {"students.uni-muenchen.de", "sub-domain, hyphen"},
            {"corp.acme-bank.com", "sub-domain, hyphen"},
            {"bigpond.com.au", "country TLD"},
            {"uol.com.br", "country TLD"},
            {"proton.me", "plain"},
            {"t-online.de", "hyphen"},
            {"hotmail.es", "country TLD"},
            {"ziggo.nl", "country TLD"},
            {"yahoo.co.jp", "country TLD"},
            {"icloud.com", "plain"},
            {"mail.kpmg-legal.ch", "sub-domain, country TLD"},
            {"bluewin.ch", "country TLD"},
        };
        List<Entry> out = new ArrayList<>();
        Set<String> values = new LinkedHashSet<>();
        int style = 0;
        while (out.size() < 36) {
            String first = pick(random, FIRST);
            String last = pick(random, LAST);
            String[] domain = domains[random.nextInt(domains.length)];
            String local;
            String format;
            switch (style++ % 9) {
                case 0 -> {
                    local = first + "." + last;
                    format = "dotted";
                }
                case 1 -> {
                    local = first + "." + last + "+" + pick(random, "loans,bank,news,mortgage");
                    format = "plus-tag";
                }
                case 2 -> {
                    local = first.charAt(0) + "." + last + (60 + random.nextInt(40));
                    format = "initial, digits";
                }
                case 3 -> {
                    local = first + "_" + last;
                    format = "underscore";
                }
                case 4 -> {
                    local = capitalise(first) + "." + capitalise(last);
                    format = "mixed case";
                }
                case 5 -> {
                    local = first + "-" + last + "." + (1950 + random.nextInt(55));
                    format = "hyphen, year";
                }
                case 6 -> {
                    local = first + last.charAt(0) + "+" + "app" + random.nextInt(1000);
                    format = "plus-tag, digits";
                }
                case 7 -> {
                    local = first.charAt(0) + last;
                    format = "initial";
                }
                default -> {
                    local = first + "." + "m." + last;
                    format = "middle initial";
                }
            }
            if (local.length() < 6) {
                continue;
            }
            String value = local + "@" + domain[0];
            if (values.add(value)) {
                out.add(new Entry(PiiKind.EMAIL, value, format + " / " + domain[1]));
            }
        }
        return out;
    }

    private static List<Entry> phones(Random random) {
        List<Entry> out = new ArrayList<>();
        Set<String> values = new LinkedHashSet<>();
        // the numbers quoted in the requirement, as written there
        for (String quoted :
                List.of(
                        "(415) 555-2671",
                        "+1 415-555-2671",
                        "415.555.2671",
                        "+44 20 7946 0958",
                        "+49 30 901820",
                        "+33 1 42 68 53 00",
                        "+91 98765 43210",
                        "+81 3-1234-5678")) {
            addPhone(out, values, quoted, "as quoted");
        }
        // US and Canada in the national formats people type (no country code: region US)
        String[] northAmerica = {"212", "312", "617", "206", "512", "303", "416", "604", "514"};
        String[] naFormats = {
            "national", "dashes", "dots", "+1 spaced", "+1 parentheses", "1-dashes", "E.164"
        };
        for (int i = 0; i < 14; i++) {
            String area = northAmerica[i % northAmerica.length];
            String exchange;
            String line;
            do {
                exchange = (2 + random.nextInt(8)) + String.format("%02d", random.nextInt(100));
                line = String.format("%04d", random.nextInt(10000));
            } while (exchange.endsWith("11") || exchange.equals("555"));
            String format = naFormats[i % naFormats.length];
            String value =
                    switch (format) {
                        case "national" -> "(" + area + ") " + exchange + "-" + line;
                        case "dashes" -> area + "-" + exchange + "-" + line;
                        case "dots" -> area + "." + exchange + "." + line;
                        case "+1 spaced" -> "+1 " + area + " " + exchange + " " + line;
                        case "+1 parentheses" -> "+1 (" + area + ") " + exchange + "-" + line;
                        case "1-dashes" -> "1-" + area + "-" + exchange + "-" + line;
                        default -> "+1" + area + exchange + line;
                    };
            addPhone(out, values, value, "US/CA " + format);
        }
        // other countries: always with their country code, as libphonenumber and people write
        // them
        String[] regions = {
            "GB", "DE", "FR", "IN", "JP", "AU", "BR", "NL", "ES", "IT", "CH", "IE", "MX", "SG",
            "ZA", "SE", "PL", "AT"
        };
        for (String region : regions) {
            for (PhoneNumberType type :
                    List.of(PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE)) {
                PhoneNumber number = randomValid(random, region, type);
                boolean compact = random.nextInt(5) == 0;
                String value =
                        PHONES.format(
                                number,
                                compact ? PhoneNumberFormat.E164 : PhoneNumberFormat.INTERNATIONAL);
                addPhone(
                        out,
                        values,
                        value,
                        region
                                + " "
                                + type.name().toLowerCase(Locale.ROOT).replace('_', ' ')
                                + (compact ? " E.164" : " international"));
            }
        }
        return out;
    }

    /** The region's example number with the last four digits drawn until libphonenumber agrees. */
    private static PhoneNumber randomValid(Random random, String region, PhoneNumberType type) {
        PhoneNumber example = PHONES.getExampleNumberForType(region, type);
        String nsn = PHONES.getNationalSignificantNumber(example);
        for (int attempt = 0; attempt < 1000; attempt++) {
            String digits =
                    nsn.substring(0, nsn.length() - 4)
                            + String.format("%04d", random.nextInt(10000));
            try {
                PhoneNumber candidate = PHONES.parse("+" + example.getCountryCode() + digits, "ZZ");
                PhoneNumberType actual = PHONES.getNumberType(candidate);
                if (PHONES.isValidNumber(candidate)
                        && (actual == type || actual == PhoneNumberType.FIXED_LINE_OR_MOBILE)) {
                    return candidate;
                }
            } catch (NumberParseException e) {
                // draw again
            }
        }
        throw new IllegalStateException("no valid " + type + " number for " + region);
    }

    private static void addPhone(List<Entry> out, Set<String> values, String value, String format) {
        try {
            // numbers without a country code are read with region US, as the default policy does
            PhoneNumber parsed = PHONES.parse(value, "US");
            if (!PHONES.isValidNumber(parsed)) {
                throw new IllegalStateException("not a valid phone number: " + value);
            }
        } catch (NumberParseException e) {
            throw new IllegalStateException("not a phone number: " + value, e);
        }
        if (values.add(value)) {
            out.add(new Entry(PiiKind.PHONE, value, format));
        }
    }

    private static List<Entry> ssns(Random random) {
        List<Entry> out = new ArrayList<>();
        out.add(new Entry(PiiKind.SSN, "078-05-1120", "dashes"));
        Set<String> values = new LinkedHashSet<>(List.of("078-05-1120"));
        while (out.size() < 32) {
            int area = 1 + random.nextInt(899);
            int group = 1 + random.nextInt(99);
            int serial = 1 + random.nextInt(9999);
            if (area == 666) {
                continue;
            }
            boolean dashes = out.size() % 2 == 0;
            String sep = dashes ? "-" : " ";
            String value = String.format("%03d%s%02d%s%04d", area, sep, group, sep, serial);
            if (values.add(value)) {
                out.add(new Entry(PiiKind.SSN, value, dashes ? "dashes" : "spaces"));
            }
        }
        return out;
    }

    private static List<Entry> cards(Random random) {
        List<Entry> out = new ArrayList<>();
        Set<String> values = new LinkedHashSet<>();
        String[] formats = {"plain", "spaces", "dashes"};
        for (int i = 0; i < 36; i++) {
            String brand;
            String prefix;
            int length = 16;
            switch (i % 4) {
                case 0 -> {
                    brand = "Visa";
                    prefix = "4" + random.nextInt(10);
                }
                case 1 -> {
                    brand = "Mastercard";
                    prefix =
                            random.nextBoolean()
                                    ? "5" + (1 + random.nextInt(5))
                                    : String.valueOf(2221 + random.nextInt(500));
                }
                case 2 -> {
                    brand = "Amex";
                    prefix = random.nextBoolean() ? "34" : "37";
                    length = 15;
                }
                default -> {
                    brand = "Discover";
                    prefix =
                            switch (random.nextInt(3)) {
                                case 0 -> "6011";
                                case 1 -> "65";
                                default -> String.valueOf(644 + random.nextInt(6));
                            };
                }
            }
            StringBuilder payload = new StringBuilder(prefix);
            while (payload.length() < length - 1) {
                payload.append(random.nextInt(10));
            }
            String number = payload.toString() + luhnCheckDigit(payload.toString());
            String format = formats[(i / 4) % 3];
            int[] groups = length == 15 ? new int[] {4, 6, 5} : new int[] {4, 4, 4, 4};
            String value =
                    switch (format) {
                        case "spaces" -> group(number, groups, " ");
                        case "dashes" -> group(number, groups, "-");
                        default -> number;
                    };
            if (values.add(value)) {
                out.add(new Entry(PiiKind.CARD, value, brand + " " + format));
            }
        }
        return out;
    }

    static int luhnCheckDigit(String payload) {
        int sum = 0;
        boolean doubled = true;
        for (int i = payload.length() - 1; i >= 0; i--) {
            int d = payload.charAt(i) - '0';
            if (doubled) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            doubled = !doubled;
        }
        return (10 - sum % 10) % 10;
    }

    private static String group(String compact, int[] sizes, String separator) {
        StringBuilder out = new StringBuilder();
        int pos = 0;
        for (int size : sizes) {
            if (pos > 0) {
                out.append(separator);
            }
            out.append(compact, pos, pos + size);
            pos += size;
        }
        return out.toString();
    }

    private static List<Entry> ibans(Random random) {
        // country -> BBAN generator ('9' a digit, 'A' an upper-case letter, 'C' either)
        Map<String, Supplier<String>> countries = new LinkedHashMap<>();
        countries.put("DE", () -> digits(random, 18));
        countries.put("GB", () -> pick(random, "NWBK,BARC,HBUK,MIDL,LOYD") + digits(random, 14));
        countries.put("FR", () -> frenchBban(random));
        countries.put("ES", () -> spanishBban(random));
        countries.put("IT", () -> italianBban(random));
        countries.put("NL", () -> pick(random, "ABNA,INGB,RABO,TRIO,SNSB") + digits(random, 10));
        countries.put("BE", () -> belgianBban(random));
        countries.put("AT", () -> digits(random, 16));
        countries.put("CH", () -> digits(random, 5) + digits(random, 12));
        countries.put("PL", () -> digits(random, 24));
        countries.put("SE", () -> digits(random, 20));
        countries.put("IE", () -> pick(random, "AIBK,BOFI,IPBS") + digits(random, 14));
        countries.put("PT", () -> digits(random, 21));
        countries.put("NO", () -> norwegianBban(random));
        countries.put("DK", () -> digits(random, 14));
        countries.put("FI", () -> digits(random, 14));
        countries.put("LU", () -> digits(random, 3) + digits(random, 13));
        List<Entry> out = new ArrayList<>();
        List<String> codes = new ArrayList<>(countries.keySet());
        for (int i = 0; i < 34; i++) {
            String country = codes.get(i % codes.size());
            String compact = iban(country, countries.get(country).get());
            // each country once compact and once in groups of four
            boolean grouped = (i % codes.size() + i / codes.size()) % 2 == 0;
            String value = grouped ? groupsOfFour(compact) : compact;
            out.add(new Entry(PiiKind.IBAN, value, country + (grouped ? " grouped" : " compact")));
        }
        return out;
    }

    /** ISO 13616: check digits = 98 - (BBAN + country + "00" as digits) mod 97. */
    static String iban(String country, String bban) {
        String rearranged = bban + country + "00";
        StringBuilder numeric = new StringBuilder();
        for (char c : rearranged.toCharArray()) {
            numeric.append(Character.isDigit(c) ? String.valueOf(c) : String.valueOf(c - 'A' + 10));
        }
        int check = 98 - new BigInteger(numeric.toString()).mod(BigInteger.valueOf(97)).intValue();
        return country + String.format("%02d", check) + bban;
    }

    private static String groupsOfFour(String compact) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < compact.length(); i += 4) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(compact, i, Math.min(compact.length(), i + 4));
        }
        return out.toString();
    }

    /** Bank, branch, 11-digit account, RIB key = 97 - (89 bank + 15 branch + 3 account) mod 97. */
    private static String frenchBban(Random random) {
        String bank = digits(random, 5);
        String branch = digits(random, 5);
        String account = digits(random, 11);
        long mod =
                (89 * Long.parseLong(bank)
                                + 15 * Long.parseLong(branch)
                                + 3 * Long.parseLong(account))
                        % 97;
        return bank + branch + account + String.format("%02d", 97 - mod);
    }

    /** Bank, branch, two control digits (weights 1,2,4,8,5,10,9,7,3,6 mod 11), account. */
    private static String spanishBban(Random random) {
        String bank = digits(random, 4);
        String branch = digits(random, 4);
        String account = digits(random, 10);
        return bank
                + branch
                + spanishControl("00" + bank + branch)
                + spanishControl(account)
                + account;
    }

    private static int spanishControl(String tenDigits) {
        int[] weights = {1, 2, 4, 8, 5, 10, 9, 7, 3, 6};
        int sum = 0;
        for (int i = 0; i < 10; i++) {
            sum += (tenDigits.charAt(i) - '0') * weights[i];
        }
        int d = 11 - sum % 11;
        return d == 11 ? 0 : d == 10 ? 1 : d;
    }

    /** CIN letter, ABI, CAB, 12-digit account. */
    private static String italianBban(Random random) {
        String rest = digits(random, 5) + digits(random, 5) + digits(random, 12);
        int[] odd = {1, 0, 5, 7, 9, 13, 15, 17, 19, 21};
        int sum = 0;
        for (int i = 0; i < rest.length(); i++) {
            int d = rest.charAt(i) - '0';
            // positions are counted from 1: odd positions use the odd table
            sum += (i % 2 == 0) ? odd[d] : d;
        }
        return (char) ('A' + sum % 26) + rest;
    }

    /** Ten digits and their remainder mod 97 (97 when 0). */
    private static String belgianBban(Random random) {
        String ten = digits(random, 10);
        long mod = Long.parseLong(ten) % 97;
        return ten + String.format("%02d", mod == 0 ? 97 : mod);
    }

    /** Ten digits and a mod-11 check digit (weights 5,4,3,2,7,6,5,4,3,2); 10 is never issued. */
    private static String norwegianBban(Random random) {
        int[] weights = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
        while (true) {
            String ten = digits(random, 10);
            int sum = 0;
            for (int i = 0; i < 10; i++) {
                sum += (ten.charAt(i) - '0') * weights[i];
            }
            int check = 11 - sum % 11;
            if (check == 10) {
                continue;
            }
            return ten + (check == 11 ? 0 : check);
        }
    }

    private static List<Entry> ips(Random random) {
        List<Entry> out = new ArrayList<>();
        Set<String> values = new LinkedHashSet<>();
        // IPv4, public (documentation ranges and ordinary ISP addresses) and private
        while (out.size() < 22) {
            String value;
            String format;
            switch (out.size() % 6) {
                case 0 -> {
                    value = "203.0.113." + (1 + random.nextInt(254));
                    format = "IPv4 public";
                }
                case 1 -> {
                    value =
                            (81 + random.nextInt(140))
                                    + "."
                                    + random.nextInt(256)
                                    + "."
                                    + random.nextInt(256)
                                    + "."
                                    + (1 + random.nextInt(254));
                    format = "IPv4 public";
                }
                case 2 -> {
                    value =
                            "10."
                                    + random.nextInt(256)
                                    + "."
                                    + random.nextInt(256)
                                    + "."
                                    + (1 + random.nextInt(254));
                    format = "IPv4 private 10/8";
                }
                case 3 -> {
                    value = "192.168." + random.nextInt(256) + "." + (1 + random.nextInt(254));
                    format = "IPv4 private 192.168/16";
                }
                case 4 -> {
                    value =
                            "172."
                                    + (16 + random.nextInt(16))
                                    + "."
                                    + random.nextInt(256)
                                    + "."
                                    + (1 + random.nextInt(254));
                    format = "IPv4 private 172.16/12";
                }
                default -> {
                    value = "198.51.100." + (1 + random.nextInt(254));
                    format = "IPv4 public";
                }
            }
            if (values.add(value)) {
                out.add(new Entry(PiiKind.IP, value, format));
            }
        }
        // IPv6: full, compressed, mixed with an IPv4 tail
        List<String[]> v6 = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            v6.add(new String[] {fullIpv6(random), "IPv6 full"});
        }
        for (int i = 0; i < 5; i++) {
            v6.add(
                    new String[] {
                        "2001:db8:" + hex(random) + "::" + hex(random), "IPv6 compressed"
                    });
        }
        v6.add(new String[] {"fe80::1ff:fe23:4567:890a", "IPv6 link-local compressed"});
        v6.add(new String[] {"2a02:8108:" + hex(random) + "::1", "IPv6 compressed"});
        v6.add(
                new String[] {
                    "2600:1700:" + hex(random) + ":" + hex(random) + "::" + hex(random),
                    "IPv6 compressed"
                });
        v6.add(new String[] {"::1", "IPv6 loopback"});
        v6.add(new String[] {"::ffff:192.0.2.1", "IPv6 mixed"});
        v6.add(new String[] {"::ffff:10." + random.nextInt(256) + ".4.17", "IPv6 mixed"});
        v6.add(new String[] {"64:ff9b::203.0.113." + (1 + random.nextInt(254)), "IPv6 mixed"});
        v6.add(
                new String[] {
                    "2001:DB8:"
                            + hex(random).toUpperCase(Locale.ROOT)
                            + "::"
                            + hex(random).toUpperCase(Locale.ROOT),
                    "IPv6 upper case"
                });
        for (String[] e : v6) {
            if (values.add(e[0])) {
                out.add(new Entry(PiiKind.IP, e[0], e[1]));
            }
        }
        return out;
    }

    private static String fullIpv6(Random random) {
        StringBuilder out = new StringBuilder("2001:0db8");
        for (int i = 0; i < 6; i++) {
            out.append(':').append(String.format("%04x", random.nextInt(0x10000)));
        }
        return out.toString();
    }

    private static String hex(Random random) {
        return Integer.toHexString(1 + random.nextInt(0xfffe));
    }

    private static final LocalDate FIRST_BIRTH_DATE = LocalDate.of(1930, 1, 1);
    private static final int BIRTH_DAYS =
            (int) ChronoUnit.DAYS.between(FIRST_BIRTH_DATE, LocalDate.of(2009, 1, 1));

    private static List<Entry> birthDates(Random random) {
        String[] formats = {
            "yyyy-MM-dd",
            "dd/MM/yyyy",
            "MM/dd/yyyy",
            "dd.MM.yyyy",
            "d MMMM yyyy",
            "MMMM d, yyyy",
            "MMM d yyyy",
            "dth MMMM yyyy"
        };
        List<Entry> out = new ArrayList<>();
        Set<String> values = new LinkedHashSet<>();
        int i = 0;
        while (out.size() < 40) {
            LocalDate date = FIRST_BIRTH_DATE.plusDays(random.nextInt(BIRTH_DAYS));
            String format = formats[i % formats.length];
            String month = date.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            String shortMonth = date.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            int d = date.getDayOfMonth();
            int m = date.getMonthValue();
            int y = date.getYear();
            String value =
                    switch (format) {
                        case "yyyy-MM-dd" -> String.format("%04d-%02d-%02d", y, m, d);
                        case "dd/MM/yyyy" -> String.format("%02d/%02d/%04d", d, m, y);
                        case "MM/dd/yyyy" -> String.format("%02d/%02d/%04d", m, d, y);
                        case "dd.MM.yyyy" -> String.format("%02d.%02d.%04d", d, m, y);
                        case "d MMMM yyyy" -> d + " " + month + " " + y;
                        case "MMMM d, yyyy" -> month + " " + d + ", " + y;
                        case "MMM d yyyy" -> shortMonth + " " + d + " " + y;
                        default -> d + ordinal(d) + " " + month + " " + y;
                    };
            if (values.add(value)) {
                out.add(new Entry(PiiKind.DOB, value, format));
                i++;
            }
        }
        return out;
    }

    private static String ordinal(int day) {
        if (day >= 11 && day <= 13) {
            return "th";
        }
        return switch (day % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
    }

    // ---------------------------------------------------------------------------------------
    // text without personal data

    private static List<String> generateNonPii() {
        Random random = new Random(SEED + 1);
        Set<String> out = new LinkedHashSet<>();
        // amounts
        out.addAll(
                List.of(
                        "$120,000",
                        "USD 45,250.00",
                        "€ 3 200",
                        "EUR 1.250,00",
                        "£2,500",
                        "$1,250,000.00",
                        "CHF 85'000",
                        "Requested amount: $350,000 for a 30-year fixed mortgage.",
                        "Monthly payment of $1,432.17 fits the budget.",
                        "Annual income reported as $96,500 (W-2, two years).",
                        "Outstanding balance 12,480.55 USD across 3 cards.",
                        "Down payment €45.000 (15% of the purchase price).",
                        "Reserves cover 6 months of payments ($8,592).",
                        "Approved limit: 7500 EUR.",
                        "Collateral valued at 412 000 SEK.",
                        "Net worth estimated at $1.2M.",
                        "Rent of $2,150 per month for the last 24 months.",
                        "Loan amount 250000, term 360, rate 6.125%."));
        // loan, application, case and order ids
        out.addAll(
                List.of(
                        "LN-2026-000123",
                        "loan_123",
                        "APP-88412",
                        "CASE-2025-77812",
                        "Application #4471029 moved to manual review.",
                        "See ticket OPS-1287 for the escalation.",
                        "Order 100045123 was shipped.",
                        "Reference 4400123987 confirmed by the core banking system.",
                        "Batch 20251103-07 reprocessed.",
                        "Underwriting queue item UW-000981 assigned to team B.",
                        "Decision id dec_7f3a9c1e linked to loan LN-2025-004417.",
                        "Re-scored application APP-2026-01-00077 after the fix.",
                        "Invoice INV-2025-11-0042 paid.",
                        "Policy number POL-77-3321-A renewed."));
        for (int i = 0; i < 14; i++) {
            out.add(
                    switch (i % 7) {
                        case 0 ->
                                "Loan LN-"
                                        + (2024 + i % 3)
                                        + "-"
                                        + digits(random, 6)
                                        + " approved for $"
                                        + (50 + random.nextInt(400))
                                        + ",000.";
                        case 1 ->
                                "Application APP-"
                                        + digits(random, 5)
                                        + " declined: DTI "
                                        + (40 + random.nextInt(20))
                                        + "%.";
                        case 2 ->
                                "loan_"
                                        + digits(random, 4)
                                        + " refinanced at "
                                        + (4 + random.nextInt(4))
                                        + "."
                                        + random.nextInt(10)
                                        + "% APR";
                        case 3 ->
                                "Case CASE-"
                                        + (2024 + i % 3)
                                        + "-"
                                        + digits(random, 5)
                                        + " reopened by the applicant's broker.";
                        case 4 ->
                                "Order number "
                                        + digits(random, 8 + random.nextInt(4))
                                        + " (merchant refund).";
                        case 5 ->
                                "Ticket #"
                                        + digits(random, 5)
                                        + ": re-run scoring with model v"
                                        + (1 + random.nextInt(4))
                                        + "."
                                        + random.nextInt(10)
                                        + ".";
                        default ->
                                "Customer reference CR"
                                        + digits(random, 9)
                                        + " - no action needed.";
                    });
        }
        // decision and application dates (2024..2026) in several formats
        out.addAll(
                List.of(
                        "Decision date: 2025-03-14",
                        "Application received 14/03/2025.",
                        "Submitted on 03/14/2025 via the broker portal.",
                        "Reviewed 14.03.2025 by the credit committee.",
                        "Approved on 14 March 2025",
                        "Approved on March 14, 2025",
                        "Closing scheduled for Apr 2 2026",
                        "Funds disbursed 2nd June 2025",
                        "Decision timestamp 2025-11-03T14:22:05Z",
                        "Event time 2026-01-05 10:15:30 UTC",
                        "Valid until 2026-12-31.",
                        "Rate lock expires Jan 15, 2026",
                        "Q3 2025 cohort",
                        "Next review: 1 Feb 2026",
                        "Statement period 2025-09-01 to 2025-09-30",
                        "Offer letter dated 21 Oct 2024",
                        "First payment due 11/01/2025",
                        "Re-evaluated on 2024-07-19 after new documents",
                        // older dates that are not birth dates
                        "Employed since 2008-09-01 at the same company",
                        "Oldest tradeline opened 12 May 2004",
                        "Property purchased on 03/15/2009"));
        for (int i = 0; i < 12; i++) {
            LocalDate date = LocalDate.of(2024, 1, 1).plusDays(random.nextInt(3 * 365));
            String month = date.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            out.add(
                    switch (i % 4) {
                        case 0 -> "Application dated " + date + " passed automated checks.";
                        case 1 ->
                                String.format(
                                        "Decision made %02d/%02d/%d.",
                                        date.getDayOfMonth(), date.getMonthValue(), date.getYear());
                        case 2 ->
                                "Approved "
                                        + month
                                        + " "
                                        + date.getDayOfMonth()
                                        + ", "
                                        + date.getYear()
                                        + " by the auto-decision engine";
                        default ->
                                "Conditions met as of "
                                        + date.getDayOfMonth()
                                        + " "
                                        + month
                                        + " "
                                        + date.getYear()
                                        + "; docs complete";
                    });
        }
        // scores and ratios
        out.addAll(
                List.of(
                        "credit score 720",
                        "FICO 681",
                        "FICO score 742 (Experian)",
                        "VantageScore 3.0: 702",
                        "Risk band B2, PD 1.8%",
                        "risk score 0.82",
                        "DTI 0.35",
                        "35%",
                        "LTV 80%",
                        "debt-to-income 42.5%",
                        "Confidence 0.93",
                        "Model confidence: 0.71; threshold 0.65",
                        "Utilisation 23% of the 12,000 limit",
                        "Score dropped from 735 to 698 after two hard inquiries.",
                        "Scores by bureau: 720 / 715 / 731",
                        "Probability of default 0.0125",
                        "Payment-to-income 18.4%",
                        "Housing ratio 28/36 satisfied",
                        "Loss given default 45%",
                        "Internal rating 7 of 10"));
        for (int i = 0; i < 10; i++) {
            out.add(
                    switch (i % 5) {
                        case 0 -> "credit score " + (560 + random.nextInt(290));
                        case 1 ->
                                "FICO "
                                        + (560 + random.nextInt(290))
                                        + ", DTI 0."
                                        + (20 + random.nextInt(30));
                        case 2 -> "LTV " + (55 + random.nextInt(40)) + "% on appraisal";
                        case 3 -> "Confidence 0." + (50 + random.nextInt(50)) + " (threshold 0.70)";
                        default ->
                                "DTI "
                                        + (20 + random.nextInt(30))
                                        + "."
                                        + random.nextInt(10)
                                        + "% after consolidation";
                    });
        }
        // models, versions and technical strings
        out.addAll(
                List.of(
                        "gpt-4o-2024-05-13",
                        "gpt-4o-2024-08-06",
                        "gpt-4-turbo-2024-04-09",
                        "claude-3-5-sonnet-20241022",
                        "claude-3-opus-20240229",
                        "claude-3-haiku-20240307",
                        "gemini-1.5-pro-002",
                        "llama-3.1-70b-instruct",
                        "mistral-large-2407",
                        "Model gpt-4o (gpt-4o-2024-05-13) answered in 2.4 s.",
                        "Scored with claude-3-5-sonnet-20241022 at temperature 0.2, top_p 0.9.",
                        "v2.3.1",
                        "Policy engine v4.12.0 applied rule set 2026-11-27.1",
                        "Masking policy 2026-11-27.1",
                        "Release 1.18.0-rc2",
                        "Flink 1.20.1, Kafka 3.7.0",
                        "max_tokens 4096, response tokens 812",
                        "Latency p99 1450 ms",
                        "content_sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                        "Trace 4bf92f3577b34da6a3ce929d0e0e4736",
                        "Request id 123e4567-e89b-12d3-a456-426614174000",
                        "Event id kafka:decisions:1:448812",
                        "Partition 3, offset 1048576",
                        "Retry 2 of 5 after HTTP 503 at 14:22:05",
                        "Job restarted at 09:00, checkpoint 1287 completed in 3.2 s",
                        "Heap usage 1536 MB of 4096 MB",
                        "Schema version 3, 27 fields",
                        "Rule R-104 triggered",
                        "Feature vector length 128",
                        "Embedding model text-embedding-3-large (3072 dims)"));
        // terms, counts and general underwriting prose
        out.addAll(
                List.of(
                        "60 months",
                        "Term: 360 months, fixed",
                        "30-year fixed",
                        "3 late payments in the last 24 months",
                        "2 open credit lines, 1 closed",
                        "Employed for 7 years at the current employer",
                        "4 dependants declared",
                        "0 bankruptcies, 0 foreclosures",
                        "Household of 3, single income",
                        "Property built in 1987, 3 bedrooms, 2 baths",
                        "12 months of bank statements reviewed",
                        "Grace period 15 days",
                        "Income verified with 2 pay stubs and 1 tax return.",
                        "Applicant has held the account since 2019.",
                        "Requested term 84 months; approved 72 months.",
                        "No delinquencies in 36 months.",
                        "Debt consolidation of 4 accounts totalling $18,400.",
                        "Co-signer income not considered.",
                        "Stable employment; income exceeds expenses by 22%.",
                        "Auto loan, vehicle year 2021, mileage 34,500",
                        "Approved with conditions: proof of insurance within 10 days.",
                        "Declined: insufficient credit history (2 tradelines).",
                        "Manual review required: income variance above 15%.",
                        "Refer to senior underwriter; exposure above 500k.",
                        "Prepayment penalty waived after 24 months.",
                        "Appraisal gap of $12,000 covered by the buyer.",
                        "Section 4.2 of the credit policy applies.",
                        "Article 22 GDPR notice sent.",
                        "Tier 2 pricing, 1.5 points",
                        "Interest-only for 10 years, then amortising over 20",
                        "Applicant requested a decision within 5 business days.",
                        "Top 3 reasons: utilisation, short history, recent inquiries."));
        // numbers that look like personal data but are not
        out.addAll(
                List.of(
                        "Card-like number 4111111111111112 fails the checksum.",
                        "Export row count 1234567890123",
                        "Legacy account number 12345678",
                        "Batch total 9876543210",
                        "Sequence 1000000000001",
                        "Reference 5500 0000 0000 0006",
                        "Amounts 1200, 1350, 1100 and 980 over four months",
                        "Ratio 12/36 for the last quarter",
                        "Scores 720-681-702",
                        "Section 12.3.4 of the handbook",
                        "Build 2025.11.3",
                        "Room 3.14, floor 2",
                        "Cost centre 4410-220",
                        "Sort by column 3, then 7",
                        "The 99th percentile is 1.7 s",
                        "Approval rate 62.4% this week, 58.9% last week"));
        // reasoning and responses as models and underwriters write them
        out.addAll(
                List.of(
                        "The applicant's DTI of 0.38 is within policy (max 0.43).",
                        "Credit score 705 meets the 680 minimum for product HL-30.",
                        "Income of $7,200/month supports the requested payment of $2,050.",
                        "Two 30-day lates in 2023, none since.",
                        "Bankruptcy discharged more than 7 years ago; eligible.",
                        "LTV 92% requires mortgage insurance.",
                        "Employment gap of 4 months in 2022 explained by relocation.",
                        "Cash reserves equal to 9.5 months of PITI.",
                        "Approve: score 741, DTI 31%, LTV 75%.",
                        "Decline: score 598 below the 620 floor.",
                        "Counter-offer: $18,000 instead of $25,000 over 48 months.",
                        "{\"approved\": true, \"confidence\": 0.87, \"limit\": 15000}",
                        "{\"approved\": false, \"reason\": \"DTI 0.51 > 0.45\"}",
                        "Rate 7.25% fixed for 5 years, then SOFR + 2.75%",
                        "Fee schedule: origination 1%, appraisal $550",
                        "Verified 2 years of tax returns (2023, 2024).",
                        "Self-employed since 2016; average net profit $84,300.",
                        "Student loans in deferment: $32,000.",
                        "Revolving utilisation fell from 64% to 29%.",
                        "Payment history 98% on time.",
                        "Months since last delinquency: 41",
                        "Inquiries in the last 6 months: 3",
                        "Tradelines: 11 (8 open)",
                        "Oldest account opened 2012-05-20",
                        "Vehicle price $32,995, trade-in $8,000",
                        "Loan-to-cost 85% on the construction draw schedule",
                        "Draw 3 of 5 released: $60,000",
                        "Model latency 850 ms; tokens in 1,245, out 312",
                        "Temperature 0.0, max tokens 512",
                        "Prompt template v7 (hash 3c9a7f)",
                        "Scenario B: rate +200 bp stress test passed",
                        "Monthly surplus after expenses: € 1 340",
                        "Requested credit line ¥2,000,000",
                        "Exchange rate 1 EUR = 1.0842 USD on 2025-06-30",
                        "Business revenue 2024: $1,284,000; 2025 YTD: $947,500",
                        "Guarantor score 768",
                        "Dwelling value R 1 450 000",
                        "Repayment schedule: 24 instalments of $437.50",
                        "Hardship plan ends 2026-03-31",
                        "Late fee $35 waived once",
                        "Batch job finished: 18,442 decisions, 0 errors",
                        "Kafka lag 0 on all 6 partitions",
                        "Checkpoint 5120 took 1,934 ms"));
        List<String> list = new ArrayList<>(out);
        if (list.size() < 200) {
            throw new IllegalStateException("only " + list.size() + " non-PII strings");
        }
        return list;
    }

    // ---------------------------------------------------------------------------------------

    private static String digits(Random random, int n) {
        StringBuilder out = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            out.append(random.nextInt(10));
        }
        return out.toString();
    }

    private static String pick(Random random, String[] options) {
        return options[random.nextInt(options.length)];
    }

    private static String pick(Random random, String commaSeparated) {
        return pick(random, commaSeparated.split(","));
    }

    private static String capitalise(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
