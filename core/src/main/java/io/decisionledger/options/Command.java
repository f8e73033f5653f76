package io.decisionledger.options;

import io.decisionledger.options.OptionTable.InvalidOptionException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One command: its {@link OptionTable}, its help and how its options become a typed value {@code O}
 * (a job's options record). Every command of the project handles a command line the same way, here:
 * {@code --help} or {@code -h} prints the generated help and exits 0; an unknown option or a bad
 * value prints one line, {@code error: <what, naming the option> (see --help)}, to stderr and exits
 * {@value #BAD_OPTIONS}.
 *
 * @param <O> what the options become
 */
public final class Command<O> {

    public static final int OK = 0;

    /** The exit code of a bad command line, for every command. */
    public static final int BAD_OPTIONS = 2;

    /** Reads the parsed options into {@code O}; throws for a bad value. */
    @FunctionalInterface
    public interface Reader<O> {
        O read(OptionTable.Parsed given);
    }

    /** What the command does with its options; returns the exit code. */
    @FunctionalInterface
    public interface Body<O> {
        int run(O options) throws Exception;
    }

    private final String name;
    private final String header;
    private final String footer;
    private final OptionTable table;
    private final Reader<O> reader;

    private Command(
            String name, String header, String footer, OptionTable table, Reader<O> reader) {
        this.name = name;
        this.header = header;
        this.footer = footer;
        this.table = table;
        this.reader = reader;
    }

    /**
     * @param header what the command does and its usage line, printed before the options
     */
    public static <O> Command<O> of(
            String name, String header, OptionTable table, Reader<O> reader) {
        return new Command<>(name, header, "", table, reader);
    }

    /** A command whose body reads the parsed options itself. */
    public static Command<OptionTable.Parsed> of(String name, String header, OptionTable table) {
        return of(name, header, table, given -> given);
    }

    /** The same command with {@code footer} (exit codes, notes) printed after the options. */
    public Command<O> withFooter(String footer) {
        return new Command<>(name, header, footer, table, reader);
    }

    public String name() {
        return name;
    }

    public String help() {
        return table.help(header) + footer;
    }

    /** The declared option names, sorted. */
    public Set<String> names() {
        return table.names();
    }

    /** The options {@code args} give; any problem is an {@link InvalidOptionException}. */
    public O parse(String... args) {
        try {
            return reader.read(table.parse(args));
        } catch (InvalidOptionException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // value rules of the types the options become (LakeLayout, RetentionPolicy, ...)
            throw new InvalidOptionException(e.getMessage());
        }
    }

    /**
     * The options {@code current} (name → value, as rendered by the options record) give, with some
     * replaced as if they had been given after them: {@code reparse(o.options(), "topic",
     * "loans")}.
     */
    public O reparse(Map<String, String> current, String... nameValuePairs) {
        if (nameValuePairs.length % 2 != 0) {
            throw new IllegalArgumentException("name value pairs expected");
        }
        List<String> args = new ArrayList<>(OptionTable.args(current));
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            args.add("--" + nameValuePairs[i] + "=" + nameValuePairs[i + 1]);
        }
        return parse(args.toArray(new String[0]));
    }

    /**
     * For a {@code main}: the options, or null after {@code --help} was printed (main returns); a
     * bad command line prints its error line and {@linkplain Exit#with exits} {@value
     * #BAD_OPTIONS}.
     */
    public O parseOrExit(String[] args) {
        if (table.helpWanted(args)) {
            Exit.out().print(help());
            return null;
        }
        try {
            return parse(args);
        } catch (InvalidOptionException e) {
            Exit.with(refuse(e.getMessage(), Exit.err()), e.getMessage());
            return null; // not reached: Exit.with ends the process or throws
        }
    }

    /**
     * Runs the command on {@code args} and returns the exit code: 0 after {@code --help}, {@value
     * #BAD_OPTIONS} for a bad command line (also when the body throws {@link
     * InvalidOptionException}), else the body's.
     */
    public int run(String[] args, PrintStream out, PrintStream err, Body<O> body) throws Exception {
        if (table.helpWanted(args)) {
            out.print(help());
            return OK;
        }
        O options;
        try {
            options = parse(args);
        } catch (InvalidOptionException e) {
            return refuse(e.getMessage(), err);
        }
        try {
            return body.run(options);
        } catch (InvalidOptionException e) {
            return refuse(e.getMessage(), err);
        }
    }

    /**
     * Prints the one line every command prints for a bad command line; returns {@value
     * #BAD_OPTIONS}.
     */
    public static int refuse(String message, PrintStream err) {
        err.println("error: " + message + " (see --help)");
        return BAD_OPTIONS;
    }
}
