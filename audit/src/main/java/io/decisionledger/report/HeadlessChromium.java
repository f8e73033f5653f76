package io.decisionledger.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a local headless Chromium on a page: prints it to PDF ({@code report --pdf}), takes a
 * screenshot or dumps the DOM (the rendering tests). Each run gets a fresh, temporary profile and
 * no network services (no background networking, component updates or sync); the page itself is a
 * local file.
 */
public final class HeadlessChromium {

    /** What one run printed: stdout (e.g. the DOM) and stderr (Chromium's log, console lines). */
    public record Output(String stdout, String stderr) {}

    private static final long TIMEOUT_SECONDS = 180;

    private final String executable;

    private HeadlessChromium(String executable) {
        this.executable = executable;
    }

    /**
     * The browser at {@code name}: a path, or a name looked up on the PATH ({@code chromium}); null
     * when there is none.
     */
    public static HeadlessChromium find(String name) {
        if (name.contains("/")) {
            return Files.isExecutable(Path.of(name)) ? new HeadlessChromium(name) : null;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, name);
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return new HeadlessChromium(p.toString());
            }
        }
        return null;
    }

    /** Prints {@code page} to {@code pdf} (A4 as the page's print CSS says, no header/footer). */
    public void printToPdf(Path page, Path pdf) throws IOException {
        run(page, "--no-pdf-header-footer", "--print-to-pdf=" + pdf.toAbsolutePath());
        if (!Files.isRegularFile(pdf) || Files.size(pdf) == 0) {
            throw new IOException("chromium wrote no PDF");
        }
    }

    /** Loads {@code page} with {@code args} (e.g. {@code --dump-dom}); fails on a non-zero exit. */
    public Output run(Path page, String... args) throws IOException {
        Path profile = Files.createTempDirectory("report-chromium");
        Path out = Files.createTempFile("report-chromium", ".out");
        Path err = Files.createTempFile("report-chromium", ".err");
        try {
            List<String> command =
                    new ArrayList<>(
                            List.of(
                                    executable,
                                    "--headless",
                                    "--no-sandbox",
                                    "--disable-gpu",
                                    "--disable-background-networking",
                                    "--disable-component-update",
                                    "--disable-sync",
                                    "--no-first-run",
                                    "--user-data-dir=" + profile));
            command.addAll(List.of(args));
            command.add(page.toAbsolutePath().toUri().toString());
            Process p =
                    new ProcessBuilder(command)
                            .redirectOutput(out.toFile())
                            .redirectError(err.toFile())
                            .start();
            boolean done;
            try {
                done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while chromium ran", e);
            }
            if (!done) {
                p.destroyForcibly();
                throw new IOException("chromium did not finish within " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("chromium exited with " + p.exitValue());
            }
            return new Output(
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            try (Stream<Path> s = Files.walk(profile)) {
                for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(x);
                }
            } catch (IOException e) {
                // a profile Chromium still writes to as it exits: left in the temp folder
            }
        }
    }
}
