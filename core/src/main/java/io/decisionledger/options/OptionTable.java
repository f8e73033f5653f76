package io.decisionledger.options;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The command-line options of one job or tool: each with a default and a description, in the order
 * {@code --help} prints them. Parses {@code --name value}, {@code --name=value} and bare flags
 * ({@code --bounded} means true); an unknown option is an error, so a typo never falls back to a
 * default silently. With Kafka pass-through, {@code --kafka.<property> value} collects Kafka client
 * properties (security, SASL, …). Values are read typed from {@link Parsed}, with messages that
 * name the option and the expected form, never anything but the option's own value rules.
 */
public final class OptionTable {

    /** Thrown for a bad command line; the message says which option and why. */
    public static final class InvalidOptionException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public InvalidOptionException(String message) {
            super(message);
        }
    }

    private static final String KAFKA_PREFIX = "kafka.";

    /** Option name → (default, description). */
    private final Map<String, String[]> options = new LinkedHashMap<>();

    private final boolean kafkaPassThrough;

    /**
     * @param kafkaPassThrough whether {@code --kafka.<property> value} options are accepted
     */
    public OptionTable(boolean kafkaPassThrough) {
        this.kafkaPassThrough = kafkaPassThrough;
    }

    /** Declares an option; an empty default means "not set" (see {@link Parsed#optional}). */
    public OptionTable add(String name, String defaultValue, String description) {
        if (options.put(name, new String[] {defaultValue, description}) != null) {
            throw new IllegalStateException("option --" + name + " declared twice");
        }
        return this;
    }

    /** The declared option names, sorted. */
    public Set<String> names() {
        return new TreeSet<>(options.keySet());
    }

    public static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    /** {@code header} (what the command does and its usage line), then every option. */
    public String help(String header) {
        StringBuilder out = new StringBuilder(header);
        for (Map.Entry<String, String[]> o : options.entrySet()) {
            out.append(String.format("  --%-26s %s%n", o.getKey(), o.getValue()[1]));
            String d = o.getValue()[0];
            out.append(String.format("  %-28s default: %s%n", "", d.isEmpty() ? "(none)" : d));
        }
        if (kafkaPassThrough) {
            out.append(
                    String.format(
                            "  --%-26s %s%n",
                            KAFKA_PREFIX + "<property> <value>",
                            "Any Kafka client property, e.g. --kafka.security.protocol SASL_SSL."));
        }
        return out.toString();
    }

    public Parsed parse(String... args) {
        Map<String, String> given = new LinkedHashMap<>();
        Properties kafka = new Properties();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new InvalidOptionException(
                        "unexpected argument '" + a + "'; options look like --name value");
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "true"; // a bare flag such as --bounded
            }
            if (kafkaPassThrough && name.startsWith(KAFKA_PREFIX)) {
                kafka.setProperty(name.substring(KAFKA_PREFIX.length()), value);
            } else if (options.containsKey(name)) {
                given.put(name, value); // a later occurrence wins
            } else {
                throw new InvalidOptionException(
                        "unknown option --"
                                + name
                                + "; known options: "
                                + String.join(", ", names()));
            }
        }
        return new Parsed(given, kafka);
    }

    /** The options of one command line, read typed. */
    public final class Parsed {
        private final Map<String, String> given;
        private final Properties kafka;

        private Parsed(Map<String, String> given, Properties kafka) {
            this.given = given;
            this.kafka = kafka;
        }

        /** The {@code --kafka.*} properties given (empty without Kafka pass-through). */
        public Properties kafkaProperties() {
            return kafka;
        }

        /**
         * The value given, or the default; "" for an option without default that was not given; an
         * option given empty is an error.
         */
        public String value(String name) {
            String[] declared = declared(name);
            if (declared[0].isEmpty() && !given.containsKey(name)) {
                return "";
            }
            String v = given.getOrDefault(name, declared[0]);
            if (v == null || v.isBlank()) {
                throw new InvalidOptionException("--" + name + " must not be empty");
            }
            return v.strip();
        }

        /** The value given, or null when not given or empty (for options without a default). */
        public String optional(String name) {
            declared(name);
            String v = given.get(name);
            return v == null || v.isBlank() ? null : v.strip();
        }

        public boolean bool(String name) {
            String v = value(name).toLowerCase(Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                throw new InvalidOptionException("--" + name + " must be true or false");
            }
            return Boolean.parseBoolean(v);
        }

        public int integer(String name) {
            try {
                return Integer.parseInt(value(name).replace("_", ""));
            } catch (NumberFormatException e) {
                throw new InvalidOptionException("--" + name + " must be an integer");
            }
        }

        public long longValue(String name, long min) {
            long v;
            try {
                v = Long.parseLong(value(name).replace("_", ""));
            } catch (NumberFormatException e) {
                throw new InvalidOptionException("--" + name + " must be an integer");
            }
            if (v < min) {
                throw new InvalidOptionException("--" + name + " must be at least " + min);
            }
            return v;
        }

        public double doubleValue(String name) {
            try {
                return Double.parseDouble(value(name));
            } catch (NumberFormatException e) {
                throw new InvalidOptionException("--" + name + " must be a number");
            }
        }

        /** A positive duration. */
        public Duration duration(String name) {
            return duration(name, false);
        }

        /** A duration that is positive, or also zero when {@code zeroAllowed}. */
        public Duration duration(String name, boolean zeroAllowed) {
            Duration d;
            try {
                d = Duration.parse(value(name));
            } catch (DateTimeParseException e) {
                throw new InvalidOptionException(
                        "--" + name + " must be an ISO-8601 duration such as PT30S, PT1M or P7D");
            }
            if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
                throw new InvalidOptionException(
                        "--"
                                + name
                                + (zeroAllowed ? " must not be negative" : " must be positive"));
            }
            return d;
        }

        public Instant instant(String name) {
            try {
                return Instant.parse(value(name));
            } catch (DateTimeParseException e) {
                throw new InvalidOptionException(
                        "--" + name + " must be an ISO-8601 instant such as 2000-01-01T00:00:00Z");
            }
        }

        /** A date, or null when the option was not given. */
        public LocalDate date(String name) {
            String v = optional(name);
            if (v == null) {
                return null;
            }
            try {
                return LocalDate.parse(v);
            } catch (DateTimeParseException e) {
                throw new InvalidOptionException(
                        "--" + name + " must be a date such as 2026-03-15");
            }
        }

        private String[] declared(String name) {
            String[] declared = options.get(name);
            if (declared == null) {
                throw new IllegalStateException("option --" + name + " is not declared");
            }
            return declared;
        }
    }
}
