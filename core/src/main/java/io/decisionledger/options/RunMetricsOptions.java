package io.decisionledger.options;

import io.decisionledger.monitoring.RunMetricsPublisher;
import java.net.URI;
import java.nio.file.Path;

/**
 * The option group of the batch jobs that report their runs to monitoring ({@link
 * io.decisionledger.monitoring.RunMetrics}): {@code --pushgateway-url} and {@code
 * --metrics-textfile}. Neither given: nothing is published (the run's exit code and printed summary
 * are unchanged either way). docs/operator-guide.md "Monitoring" explains which to choose.
 */
public final class RunMetricsOptions {

    private RunMetricsOptions() {}

    public static void declare(OptionTable t) {
        t.add(
                "pushgateway-url",
                "",
                "Prometheus Pushgateway (http://host:9091) to push this run's outcome, duration and"
                        + " volumes to when it ends, as group job=decision_ledger_<run>. A push that"
                        + " fails is reported and does not change the exit code. Default: no push.");
        t.add(
                "metrics-textfile",
                "",
                "Instead of or besides a push: write the same gauges to this .prom file (atomically)"
                        + " for node exporter's textfile collector. Default: none.");
    }

    public static RunMetricsPublisher.Target read(OptionTable.Parsed given) {
        String url = given.optional("pushgateway-url");
        String file = given.optional("metrics-textfile");
        URI pushgateway = null;
        if (url != null) {
            try {
                pushgateway = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new OptionTable.InvalidOptionException(
                        "--pushgateway-url is not a URL: " + e.getMessage());
            }
            if (!"http".equals(pushgateway.getScheme()) && !"https".equals(pushgateway.getScheme())
                    || pushgateway.getHost() == null) {
                throw new OptionTable.InvalidOptionException(
                        "--pushgateway-url must be http(s)://host[:port], e.g."
                                + " http://pushgateway:9091");
            }
            if (pushgateway.getUserInfo() != null) {
                throw new OptionTable.InvalidOptionException(
                        "--pushgateway-url must not carry credentials");
            }
        }
        if (file != null && !file.endsWith(".prom")) {
            throw new OptionTable.InvalidOptionException(
                    "--metrics-textfile must end in .prom (node exporter reads only those)");
        }
        return new RunMetricsPublisher.Target(pushgateway, file == null ? null : Path.of(file));
    }

    /**
     * The group from a job's full command line, which its own {@link Command} has already checked:
     * the job's options record need not carry it.
     */
    public static RunMetricsPublisher.Target fromArgs(String[] args) {
        OptionTable t = new OptionTable().passThrough("", false);
        declare(t);
        return read(t.parse(args));
    }

    /** As {@link #fromArgs}; a bad value ends the command with exit code 2, as any bad option. */
    public static RunMetricsPublisher.Target fromArgsOrExit(String[] args) {
        try {
            return fromArgs(args);
        } catch (OptionTable.InvalidOptionException e) {
            Exit.with(Command.refuse(e.getMessage(), Exit.err()), e.getMessage());
            return RunMetricsPublisher.Target.none();
        }
    }
}
