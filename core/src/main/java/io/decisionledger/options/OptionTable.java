package io.decisionledger.options;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The command-line options of one job or tool: each with a default and a description, in the order
 * {@code --help} prints them. Parses {@code --name value}, {@code --name=value} and bare flags
 * ({@code --bounded} means true); an unknown option is an error, so a typo never falls back to a
 * default silently. With Kafka pass-through, {@code --kafka.<property> value} collects Kafka client
 * properties (security, SASL, …). Values are read typed from {@link Parsed}, with messages that
 * name the option and the expected form, never anything but the option's own value rules.
 *
 * <p>What some tools need beyond {@code --name value}: {@link #flag flags} that never take a value
 * (so {@code --json} cannot swallow the argument after it), {@link #positionals positional
 * arguments}, {@link #required required options}, {@link #passThrough pass-through} of what the
 * table does not know (for a command that hands arguments on to another program), and {@link
 * #repeatsRefused refusing an option given twice}. {@link Command} turns a table into a command
 * with {@code --help} and exit code 2 for a bad command line.
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

    private enum Kind {
        VALUE,
        REQUIRED,
        FLAG
    }

    private record Declared(Kind kind, String defaultValue, String description) {}

    /** Option name → declaration, in declaration order. */
    private final Map<String, Declared> options = new LinkedHashMap<>();

    private boolean kafkaPassThrough;
    private String positionals;
    private String positionalsDescription;
    private String passThrough;
    private boolean helpPassesThrough;
    private boolean repeatsRefused;

    public OptionTable() {
        this(false);
    }

    /**
     * @param kafkaPassThrough whether {@code --kafka.<property> value} options are accepted
     */
    public OptionTable(boolean kafkaPassThrough) {
        this.kafkaPassThrough = kafkaPassThrough;
    }

    /** Declares an option; an empty default means "not set" (see {@link Parsed#optional}). */
    public OptionTable add(String name, String defaultValue, String description) {
        return declare(name, new Declared(Kind.VALUE, defaultValue, description));
    }

    /** Declares an option that must be given; {@link Parsed#value} refuses its absence. */
    public OptionTable required(String name, String description) {
        return declare(name, new Declared(Kind.REQUIRED, "", description));
    }

    /**
     * Declares a flag: {@code --name} alone means true, {@code --name=false} false; it never takes
     * the next argument as its value.
     */
    public OptionTable flag(String name, String description) {
        return declare(name, new Declared(Kind.FLAG, "false", description));
    }

    /** Accepts {@code --kafka.<property> value} (Kafka client properties). */
    public OptionTable kafkaPassThrough() {
        this.kafkaPassThrough = true;
        return this;
    }

    /** Accepts arguments that are not options, e.g. a file name; {@link Parsed#positionals}. */
    public OptionTable positionals(String label, String description) {
        this.positionals = label;
        this.positionalsDescription = description;
        return this;
    }

    /**
     * Keeps what the table does not know, in order and verbatim, for another program ({@link
     * Parsed#passedThrough}) instead of refusing it.
     *
     * @param helpToo whether {@code --help} is passed on as well (to a program with its own help)
     */
    public OptionTable passThrough(String description, boolean helpToo) {
        this.passThrough = description;
        this.helpPassesThrough = helpToo;
        return this;
    }

    /** Makes an option given twice an error instead of letting the later occurrence win. */
    public OptionTable repeatsRefused() {
        this.repeatsRefused = true;
        return this;
    }

    private OptionTable declare(String name, Declared declared) {
        if (options.put(name, declared) != null) {
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

    /** Whether {@code args} ask this command for its help (not the program it passes them to). */
    public boolean helpWanted(String[] args) {
        return !helpPassesThrough && wantsHelp(args);
    }

    /** {@code header} (what the command does and its usage line), then every option. */
    public String help(String header) {
        StringBuilder out = new StringBuilder(header);
        if (positionals != null) {
            out.append(String.format("  %-28s %s%n", positionals, positionalsDescription));
        }
        for (Map.Entry<String, Declared> o : options.entrySet()) {
            Declared d = o.getValue();
            out.append(String.format("  --%-26s %s%n", o.getKey(), d.description()));
            switch (d.kind()) {
                case VALUE ->
                        out.append(
                                String.format(
                                        "  %-28s default: %s%n",
                                        "",
                                        d.defaultValue().isEmpty() ? "(none)" : d.defaultValue()));
                case REQUIRED -> out.append(String.format("  %-28s required%n", ""));
                case FLAG -> {}
            }
        }
        if (kafkaPassThrough) {
            out.append(
                    String.format(
                            "  --%-26s %s%n",
                            KAFKA_PREFIX + "<property> <value>",
                            "Any Kafka client property, e.g. --kafka.security.protocol SASL_SSL."));
        }
        if (passThrough != null) {
            out.append(String.format("  %-28s %s%n", "...", passThrough));
        }
        return out.toString();
    }

    public Parsed parse(String... args) {
        Map<String, String> given = new LinkedHashMap<>();
        Properties kafka = new Properties();
        List<String> positional = new ArrayList<>();
        List<String> passedOn = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                if (positionals != null) {
                    positional.add(a);
                } else if (passThrough != null) {
                    passedOn.add(a);
                } else {
                    throw new InvalidOptionException(
                            "unexpected argument '" + a + "'; options look like --name value");
                }
                continue;
            }
            String name = a.substring(2);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Declared declared = options.get(name);
            boolean kafkaProperty = kafkaPassThrough && name.startsWith(KAFKA_PREFIX);
            if (declared == null && !kafkaProperty) {
                if (passThrough != null) {
                    passedOn.add(a);
                    continue;
                }
                throw new InvalidOptionException(
                        "unknown option --"
                                + name
                                + "; known options: "
                                + String.join(", ", names()));
            }
            String value;
            if (inline != null) {
                value = inline;
            } else if (declared != null && declared.kind() == Kind.FLAG) {
                value = "true";
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "true"; // a bare flag such as --bounded
            }
            if (kafkaProperty) {
                kafka.setProperty(name.substring(KAFKA_PREFIX.length()), value);
            } else if (given.put(name, value) != null && repeatsRefused) {
                throw new InvalidOptionException("--" + name + " is given twice");
            }
        }
        return new Parsed(given, kafka, positional, passedOn);
    }

    /**
     * The command line that gives {@code options} (name → value), as {@code --name=value} so flags
     * and values read back alike; {@code kafka.*} names come back as Kafka properties.
     */
    public static List<String> args(Map<String, String> options) {
        List<String> args = new ArrayList<>();
        options.forEach((name, value) -> args.add("--" + name + "=" + value));
        return args;
    }

    /** The options of one command line, read typed. */
    public final class Parsed {
        private final Map<String, String> given;
        private final Properties kafka;
        private final List<String> positional;
        private final List<String> passedOn;

        private Parsed(
                Map<String, String> given,
                Properties kafka,
                List<String> positional,
                List<String> passedOn) {
            this.given = given;
            this.kafka = kafka;
            this.positional = List.copyOf(positional);
            this.passedOn = List.copyOf(passedOn);
        }

        /** The {@code --kafka.*} properties given (empty without Kafka pass-through). */
        public Properties kafkaProperties() {
            return kafka;
        }

        /** The arguments that are not options, in order (with {@link #positionals}). */
        public List<String> positionals() {
            return positional;
        }

        /** What the table did not know, in order and verbatim (with {@link #passThrough}). */
        public List<String> passedThrough() {
            return passedOn;
        }

        /** Whether the option was given on the command line (rather than left at its default). */
        public boolean given(String name) {
            declared(name);
            return given.containsKey(name);
        }

        /**
         * The value given, or the default; "" for an option without default that was not given; an
         * option given empty, or a required one not given, is an error.
         */
        public String value(String name) {
            Declared declared = declared(name);
            if (declared.kind() == Kind.REQUIRED && optional(name) == null) {
                throw new InvalidOptionException("--" + name + " is required");
            }
            if (declared.defaultValue().isEmpty() && !given.containsKey(name)) {
                return "";
            }
            String v = given.getOrDefault(name, declared.defaultValue());
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

        /** An integer of at least {@code min}. */
        public int integer(String name, int min) {
            int v = integer(name);
            if (v < min) {
                throw new InvalidOptionException("--" + name + " must be at least " + min);
            }
            return v;
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

        /**
         * The value ({@link #value}) turned into a {@code T} by {@code parser}; a value it refuses
         * with an IllegalArgumentException is refused naming the option.
         */
        public <T> T as(String name, Function<String, T> parser) {
            String v = value(name);
            try {
                return parser.apply(v);
            } catch (InvalidOptionException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                String message = String.valueOf(e.getMessage());
                throw new InvalidOptionException(
                        message.startsWith("--" + name) ? message : "--" + name + ": " + message);
            }
        }

        /** One of {@code type}'s constants, named in any case. */
        public <E extends Enum<E>> E choice(String name, Class<E> type) {
            String v = value(name);
            try {
                return Enum.valueOf(type, v.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                List<String> names = new ArrayList<>();
                for (E c : type.getEnumConstants()) {
                    names.add(c.name().toLowerCase(Locale.ROOT));
                }
                throw new InvalidOptionException(
                        "--" + name + " must be one of " + String.join(", ", names) + ", not " + v);
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

        private Declared declared(String name) {
            Declared declared = options.get(name);
            if (declared == null) {
                throw new IllegalStateException("option --" + name + " is not declared");
            }
            return declared;
        }
    }
}
