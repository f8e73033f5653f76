package io.decisionledger.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of each of this JVM's threads, Java and native alike, from {@code
 * /proc/self/task/<tid>/stat} (user + system, in 10 ms ticks). JFR's execution samples say what a
 * thread was doing when it ran Java code; this says how much CPU the thread actually got, which the
 * samples cannot: on a machine with fewer cores than busy threads, a thread the OS has pre-empted
 * while in Java code is still sampled as running. {@link CpuBudget} weights each thread's samples
 * by its CPU from here.
 *
 * <p>A thread's figure is cumulative and the file disappears when the thread ends, so {@link
 * Sampler} reads all of them at a steady interval and keeps each thread's last reading: a thread
 * that ends loses at most one interval of CPU.
 */
public final class ThreadCpu {

    /** Linux's USER_HZ: the unit of utime and stime. */
    private static final double TICKS_PER_SECOND = 100.0;

    private static final Path TASKS = Path.of("/proc/self/task");

    /** One thread's reading: its Linux thread id, its (15-character) name and CPU seconds. */
    public record Task(long tid, String name, double cpuSeconds) {}

    private ThreadCpu() {}

    /** Whether this machine tells thread CPU this way (Linux). */
    public static boolean available() {
        return Files.isDirectory(TASKS);
    }

    /** Every live thread's reading now, by thread id; empty where there is no /proc. */
    public static Map<Long, Task> read() {
        Map<Long, Task> tasks = new HashMap<>();
        if (!available()) {
            return tasks;
        }
        try (Stream<Path> all = Files.list(TASKS)) {
            for (Path dir : (Iterable<Path>) all::iterator) {
                String stat;
                try {
                    stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
                } catch (IOException gone) {
                    continue; // the thread ended while we looked
                }
                Task task = parse(stat);
                if (task != null) {
                    tasks.put(task.tid(), task);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + TASKS, e);
        }
        return tasks;
    }

    /** A {@code stat} line: "tid (name) state ppid … utime stime …"; null if it is not one. */
    static Task parse(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open <= 0 || close < open) {
            return null;
        }
        long tid = Long.parseLong(stat.substring(0, open).trim());
        String name = stat.substring(open + 1, close);
        // after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        // utime stime ...: utime is the 12th field, stime the 13th
        String[] f = stat.substring(close + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return new Task(tid, name, ticks / TICKS_PER_SECOND);
    }

    /** CPU seconds of the threads whose name starts with one of {@code prefixes}. */
    public static double seconds(Map<Long, Task> tasks, String... prefixes) {
        double s = 0;
        for (Task t : tasks.values()) {
            if (startsWithAny(t.name(), prefixes)) {
                s += t.cpuSeconds();
            }
        }
        return s;
    }

    static boolean startsWithAny(String name, String... prefixes) {
        for (String p : prefixes) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Each thread's CPU in {@code later} less what it had in {@code earlier} (a thread that started
     * in between counts whole). For a warm measurement: the measured run's share only.
     */
    public static Map<Long, Task> since(Map<Long, Task> earlier, Map<Long, Task> later) {
        Map<Long, Task> out = new LinkedHashMap<>();
        for (Task t : later.values()) {
            Task before = earlier.get(t.tid());
            double base = before == null ? 0 : before.cpuSeconds();
            out.put(t.tid(), new Task(t.tid(), t.name(), Math.max(0, t.cpuSeconds() - base)));
        }
        return out;
    }

    /** Writes readings as {@code tid<TAB>cpu_s<TAB>name} lines, busiest first. */
    public static void write(Map<Long, Task> tasks, Path file) throws IOException {
        List<Task> sorted = new ArrayList<>(tasks.values());
        sorted.sort((a, b) -> Double.compare(b.cpuSeconds(), a.cpuSeconds()));
        StringBuilder text = new StringBuilder();
        for (Task t : sorted) {
            text.append(
                    String.format(
                            Locale.ROOT, "%d\t%.2f\t%s%n", t.tid(), t.cpuSeconds(), t.name()));
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Reads what {@link #write} wrote. */
    public static Map<Long, Task> load(Path file) throws IOException {
        Map<Long, Task> tasks = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", 3);
            if (f.length == 3) {
                long tid = Long.parseLong(f[0]);
                tasks.put(tid, new Task(tid, f[2], Double.parseDouble(f[1])));
            }
        }
        return tasks;
    }

    /**
     * Reads every thread's CPU each {@code intervalMillis} on a daemon thread of its own (about a
     * millisecond per reading for a few hundred threads) and keeps each thread's latest reading, so
     * threads that end during the run are still counted.
     */
    public static final class Sampler implements AutoCloseable {
        private final Map<Long, Task> latest = new HashMap<>();
        private final Thread thread;
        private volatile boolean running = true;

        public Sampler(long intervalMillis) {
            record(read());
            thread =
                    new Thread(
                            () -> {
                                while (running) {
                                    try {
                                        Thread.sleep(intervalMillis);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                    record(read());
                                }
                            },
                            "thread-cpu-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private synchronized void record(Map<Long, Task> now) {
            for (Task t : now.values()) {
                latest.merge(
                        t.tid(), t, (old, neu) -> neu.cpuSeconds() >= old.cpuSeconds() ? neu : old);
            }
        }

        /** Every thread seen so far, with a fresh reading of the live ones. */
        public synchronized Map<Long, Task> snapshot() {
            record(read());
            return new LinkedHashMap<>(latest);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(5_000);
        }
    }
}
