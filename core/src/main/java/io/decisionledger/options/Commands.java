package io.decisionledger.options;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A command made of sub-commands ({@code Jobs <job>}, {@code audit <query>}, {@code stack <verb>},
 * the dev CLI): the usage lists them with what they do; {@code --help}, {@code -h} or {@code help}
 * prints it and exits 0; an unknown sub-command is a bad command line like an unknown option (one
 * {@code error:} line, exit {@value Command#BAD_OPTIONS}); otherwise the sub-command runs on the
 * remaining arguments and its exit code is the command's.
 */
public final class Commands {

    /** One sub-command: runs on the arguments after its name, returns the exit code. */
    @FunctionalInterface
    public interface Entry {
        int run(String[] args) throws Exception;
    }

    /** A {@code main(String[])} that ends with its own exit code ({@link Exit}). */
    @FunctionalInterface
    public interface MainMethod {
        void main(String[] args) throws Exception;
    }

    private record Listed(String description, Entry entry) {}

    private final String header;
    private final String footer;
    private final int exitWithoutCommand;
    private final Map<String, Listed> commands = new LinkedHashMap<>();

    /**
     * @param header usage line and what the command does, printed before the sub-commands
     * @param footer printed after them (common options, exit codes)
     * @param exitWithoutCommand the exit code when no sub-command is given (the usage is printed)
     */
    public Commands(String header, String footer, int exitWithoutCommand) {
        this.header = header;
        this.footer = footer;
        this.exitWithoutCommand = exitWithoutCommand;
    }

    /**
     * Adds a sub-command; {@code description} may span lines (they are indented under the first).
     */
    public Commands add(String name, String description, Entry entry) {
        if (commands.put(name, new Listed(description, entry)) != null) {
            throw new IllegalStateException("command " + name + " added twice");
        }
        return this;
    }

    /** Adds a sub-command that is another command's {@code main}; 0 when it returns. */
    public Commands addMain(String name, String description, MainMethod main) {
        return add(
                name,
                description,
                args -> {
                    main.main(args);
                    return Command.OK;
                });
    }

    public boolean has(String name) {
        return commands.containsKey(name);
    }

    public String usage() {
        int width = commands.keySet().stream().mapToInt(String::length).max().orElse(0) + 1;
        StringBuilder out = new StringBuilder(header);
        for (Map.Entry<String, Listed> c : commands.entrySet()) {
            String[] lines = c.getValue().description().split("\n");
            out.append(String.format("  %-" + width + "s %s%n", c.getKey(), lines[0]));
            for (int i = 1; i < lines.length; i++) {
                out.append(String.format("  %-" + width + "s %s%n", "", lines[i]));
            }
        }
        return out.append(footer).toString();
    }

    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0) {
            out.print(usage());
            return exitWithoutCommand;
        }
        String name = args[0];
        if (name.equals("--help") || name.equals("-h") || name.equals("help")) {
            out.print(usage());
            return Command.OK;
        }
        Listed command = commands.get(name);
        if (command == null) {
            return Command.refuse(
                    "unknown command '"
                            + name
                            + "'; commands: "
                            + String.join(", ", commands.keySet()),
                    err);
        }
        return command.entry().run(Arrays.copyOfRange(args, 1, args.length));
    }
}
