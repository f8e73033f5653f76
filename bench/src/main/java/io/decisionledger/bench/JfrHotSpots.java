package io.decisionledger.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a Java Flight Recorder file of a measured child: which methods the CPU samples were in
 * (self time), which of our own methods were on the stack (inclusive time), and which libraries the
 * self time went to. Enough to see where a job's CPU goes without opening a profiler; for more,
 * open the {@code profile.jfr} next to the child's log in JDK Mission Control or run {@code jfr
 * print --events jdk.ExecutionSample}.
 */
public final class JfrHotSpots {

    private static final String OUR_CODE = "io.decisionledger.";

    private JfrHotSpots() {}

    /** Printable lines: top {@code n} self, top {@code n} of our code inclusive, top libraries. */
    public static List<String> summarise(Path jfr, int n) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> ours = new HashMap<>();
        Map<String, Integer> libraries = new HashMap<>();
        int samples = 0;
        try (RecordingFile file = new RecordingFile(jfr)) {
            while (file.hasMoreEvents()) {
                RecordedEvent event = file.readEvent();
                if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                    continue;
                }
                RecordedStackTrace stack = event.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) {
                    continue;
                }
                samples++;
                List<RecordedFrame> frames = stack.getFrames();
                String top = method(frames.get(0));
                self.merge(top, 1, Integer::sum);
                libraries.merge(library(frames.get(0)), 1, Integer::sum);
                java.util.Set<String> seen = new java.util.HashSet<>();
                for (RecordedFrame frame : frames) {
                    String m = method(frame);
                    if (m.startsWith(OUR_CODE) && seen.add(m)) {
                        ours.merge(m, 1, Integer::sum);
                    }
                }
            }
        }
        List<String> out = new ArrayList<>();
        out.add(samples + " execution samples");
        out.add("-- self time (top frame)");
        top(self, samples, n, out);
        out.add("-- self time by library");
        top(libraries, samples, n, out);
        out.add("-- our code on the stack (inclusive)");
        top(ours, samples, n, out);
        return out;
    }

    private static void top(Map<String, Integer> counts, int total, int n, List<String> out) {
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(n)
                .forEach(
                        e ->
                                out.add(
                                        String.format(
                                                Locale.ROOT,
                                                "%5.1f%%  %s",
                                                100.0 * e.getValue() / Math.max(1, total),
                                                e.getKey())));
    }

    private static String method(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    /** The first three package segments, e.g. {@code org.apache.parquet} or {@code java.util}. */
    private static String library(RecordedFrame frame) {
        String type = frame.getMethod().getType().getName();
        String[] parts = type.split("\\.");
        int keep = Math.min(3, Math.max(1, parts.length - 1));
        return String.join(".", java.util.Arrays.copyOf(parts, keep));
    }
}
