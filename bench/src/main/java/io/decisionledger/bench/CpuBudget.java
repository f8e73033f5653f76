package io.decisionledger.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * The per-event CPU budget of a profiled run: every Java Flight Recorder execution sample is put in
 * one pipeline step (Kafka fetch, parsing, hashing, each network hop, de-duplication state, chain,
 * masking, each Parquet writer, checkpointing, …) by the frames on its stack and the task thread it
 * ran on, and the steps' shares of the samples divide the CPU the Java threads used (process CPU
 * minus GC and JIT, which JFR does not sample) among them. In microseconds per input event, so the
 * IngestJob and the Flink SQL baseline can be compared line by line; GC and JIT come from the
 * child's own counters.
 *
 * <p>Sampling attributes CPU with the usual statistical error (a step with under 1 % of about 20
 * 000 samples is noise); the attribution is by rules, in order, listed in {@link #classify}.
 */
public final class CpuBudget {

    private CpuBudget() {}

    /**
     * Sample counts per step, in the order steps were first seen, and the total; and per thread (by
     * its Linux thread id) per step.
     */
    public record Samples(
            Map<String, Integer> byStep, int total, Map<Long, Map<String, Integer>> byThread) {

        public Samples(Map<String, Integer> byStep, int total) {
            this(byStep, total, Map.of());
        }
    }

    /** The line for threads JFR cannot sample: they never run Java code. */
    static final String UNSAMPLED = "threads without Java samples (RocksDB background, JVM, JFR)";

    /** Counts the execution samples of {@code jfr} per step. */
    public static Samples count(Path jfr) throws IOException {
        Map<String, Integer> byStep = new LinkedHashMap<>();
        Map<Long, Map<String, Integer>> byThread = new HashMap<>();
        int total = 0;
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
                RecordedThread thread = event.getThread("sampledThread");
                String threadName = thread == null ? "" : String.valueOf(thread.getJavaName());
                List<String> frames = new ArrayList<>(stack.getFrames().size());
                for (RecordedFrame f : stack.getFrames()) {
                    frames.add(f.getMethod().getType().getName() + "." + f.getMethod().getName());
                }
                String step = classify(threadName, frames);
                byStep.merge(step, 1, Integer::sum);
                long tid = thread == null ? -1 : thread.getOSThreadId();
                byThread.computeIfAbsent(tid, t -> new LinkedHashMap<>())
                        .merge(step, 1, Integer::sum);
                total++;
            }
        }
        return new Samples(byStep, total, byThread);
    }

    /**
     * The budget in microseconds per event: each step's share of the samples times the Java
     * threads' CPU ({@code cpuS - gcS - jitS}), plus "GC" and "JIT" from the counters. Sorted by
     * cost.
     */
    public static Map<String, Double> microsPerEvent(
            Samples samples, double cpuS, double gcS, double jitS, long events) {
        return microsPerEvent(samples, Map.of(), cpuS, gcS, jitS, events);
    }

    /**
     * The budget with each thread's samples weighted by the CPU the thread used ({@code threadCpu},
     * from {@link ThreadCpu}): a step's share is, summed over threads, the thread's CPU times the
     * step's share of that thread's samples. Counting samples alone over-weights the threads the OS
     * pre-empted while they were in Java code (they are still sampled), which on two cores and a
     * dozen busy threads skews the split. Threads that used CPU but have no sample (native: RocksDB
     * compaction and flushes, the JVM's own, JFR's) get their own line; GC and JIT threads are left
     * to their counters. A sampled thread with no reading (it ended before the first) is charged
     * the average CPU per sample. The lines are scaled so that, with GC and JIT, they add up to
     * {@code cpuS}. Without readings: {@link #microsPerEvent(Samples, double, double, double,
     * long)} by samples alone.
     */
    public static Map<String, Double> microsPerEvent(
            Samples samples,
            Map<Long, ThreadCpu.Task> threadCpu,
            double cpuS,
            double gcS,
            double jitS,
            long events) {
        double javaS = Math.max(0, cpuS - gcS - jitS);
        Map<String, Double> seconds = new HashMap<>();
        if (!threadCpu.isEmpty() && !samples.byThread().isEmpty()) {
            seconds = weightedByThreadCpu(samples, threadCpu, javaS);
        } else {
            for (Map.Entry<String, Integer> e : samples.byStep().entrySet()) {
                seconds.put(e.getKey(), javaS * e.getValue() / Math.max(1, samples.total()));
            }
        }
        Map<String, Double> us = new LinkedHashMap<>();
        seconds.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> us.put(e.getKey(), e.getValue() * 1e6 / events));
        us.put("GC (collector time)", gcS * 1e6 / events);
        us.put("JIT (compiler threads)", jitS * 1e6 / events);
        return us;
    }

    /** CPU seconds per step, each thread's CPU over its samples, scaled to {@code javaS}. */
    private static Map<String, Double> weightedByThreadCpu(
            Samples samples, Map<Long, ThreadCpu.Task> threadCpu, double javaS) {
        double knownCpu = 0;
        long knownSamples = 0;
        for (Map.Entry<Long, Map<String, Integer>> t : samples.byThread().entrySet()) {
            ThreadCpu.Task reading = threadCpu.get(t.getKey());
            if (reading != null) {
                knownCpu += reading.cpuSeconds();
                knownSamples += sum(t.getValue());
            }
        }
        double perSample = knownSamples == 0 ? 0 : knownCpu / knownSamples;
        Map<String, Double> seconds = new HashMap<>();
        for (Map.Entry<Long, Map<String, Integer>> t : samples.byThread().entrySet()) {
            int n = sum(t.getValue());
            ThreadCpu.Task reading = threadCpu.get(t.getKey());
            double cpu = reading != null ? reading.cpuSeconds() : n * perSample;
            t.getValue().forEach((step, k) -> seconds.merge(step, cpu * k / n, Double::sum));
        }
        double unsampled = 0;
        for (ThreadCpu.Task t : threadCpu.values()) {
            if (!samples.byThread().containsKey(t.tid())
                    && !ThreadCpu.startsWithAny(t.name(), ProcessCpu.GC_THREADS)
                    && !ThreadCpu.startsWithAny(t.name(), ProcessCpu.JIT_THREADS)) {
                unsampled += t.cpuSeconds();
            }
        }
        if (unsampled > 0) {
            seconds.put(UNSAMPLED, unsampled);
        }
        double measured = seconds.values().stream().mapToDouble(Double::doubleValue).sum();
        double scale = measured == 0 ? 0 : javaS / measured;
        seconds.replaceAll((step, cpu) -> cpu * scale);
        return seconds;
    }

    private static int sum(Map<String, Integer> counts) {
        int n = 0;
        for (int k : counts.values()) {
            n += k;
        }
        return n;
    }

    /**
     * One sample's step. Frames are leaf first. The rules, first match wins: hashing (SHA-256,
     * field digests, canonical content, chain hash) wherever it runs; Parquet writing, by writer
     * ({@link #parquetWriter}); checkpointing; parsing and validation; the Kafka client; masking;
     * de-duplication, card linking and chain (their code and the state it reads); serialisation and
     * deserialisation of records between tasks, by task; the rest of Flink's runtime; other.
     */
    static String classify(String thread, List<String> frames) {
        String task = task(thread);
        if (any(frames, "java.security.MessageDigest", "sun.security.provider.")
                || any(
                        frames,
                        "io.decisionledger.decision.FieldDigests",
                        "io.decisionledger.decision.CanonicalContent",
                        "io.decisionledger.chain.ChainHasher")) {
            return "hashing (SHA-256: content, fingerprint, chain)";
        }
        if (any(frames, "org.apache.parquet.", "org.apache.flink.formats.parquet.")
                || any(frames, "io.decisionledger.lake.ParquetFormats")) {
            return parquetWriter(task, frames);
        }
        if (any(
                        frames,
                        "org.apache.flink.runtime.checkpoint.",
                        "org.apache.flink.state.rocksdb.snapshot.",
                        "org.apache.flink.contrib.streaming.state.snapshot.",
                        "SubtaskCheckpointCoordinatorImpl",
                        "snapshotState",
                        "org.apache.flink.runtime.state.filesystem.")
                || thread.contains("AsyncOperations")
                || thread.contains("checkpoint")) {
            return "checkpointing";
        }
        if (any(
                frames,
                "io.decisionledger.decision.DecisionParser",
                "io.decisionledger.decision.DecisionReader",
                "io.decisionledger.decision.KafkaDecisionDeserializer",
                "io.decisionledger.decision.ModelCardParser",
                "org.apache.flink.formats.json.",
                "com.fasterxml.jackson.")) {
            return "parsing + validation (JSON)";
        }
        if (any(frames, "org.apache.kafka.", "org.apache.flink.connector.kafka.")
                || any(frames, "org.apache.flink.connector.base.source.reader.fetcher")
                || thread.startsWith("Source Data Fetcher")
                || thread.startsWith("kafka-")) {
            return "Kafka fetch + decompression";
        }
        if (any(frames, "io.decisionledger.privacy.")) {
            return "masking (ops copy)";
        }
        if (any(frames, "io.decisionledger.ingest.DedupLinkChainOperator")
                && !any(frames, "SinkWriterOperator", "RecordWriter")) {
            return "de-duplication + card link + chain (one operator: code + state)";
        }
        if (any(frames, "io.decisionledger.decision.DecisionDeduplicator")
                || (task.contains("dedup") && stateAccess(frames))) {
            return "de-duplication (code + state)";
        }
        if (any(frames, "io.decisionledger.models.ModelCardLinker")) {
            return "model-card link";
        }
        if (any(frames, "io.decisionledger.chain.QuarantineChainOperator")
                || (task.contains("quarantine-chain") && stateAccess(frames))) {
            return "quarantine chain (code + state)";
        }
        if (any(frames, "io.decisionledger.chain.ChainLinkOperator")
                || (task.contains("hash-chain") && stateAccess(frames))) {
            return "hash chain (code + state)";
        }
        if (any(frames, "org.apache.flink.table.runtime.", "org.apache.flink.table.data.")
                || any(frames, "StreamExecCalc", "$Calc", "Converter")) {
            return "SQL row conversion + calc";
        }
        if (any(
                frames,
                "org.apache.flink.runtime.io.network.",
                "RecordWriterOutput",
                "StreamElementSerializer",
                "KeyGroupStreamPartitioner",
                "org.apache.flink.api.java.typeutils.runtime.",
                "org.apache.flink.formats.avro.typeutils.",
                "org.apache.avro.",
                "org.apache.flink.core.memory.",
                "org.apache.flink.api.common.typeutils.")) {
            boolean sending = any(frames, "RecordWriter", "RecordWriterOutput", "ChannelSelector");
            return (sending ? "network hop: serialise in " : "network hop: deserialise in ") + task;
        }
        if (stateAccess(frames)) {
            return "keyed state + timers (other)";
        }
        if (any(frames, "org.apache.logging.", "org.slf4j.")) {
            return "logging";
        }
        if (any(frames, "org.apache.flink.")) {
            return "Flink runtime (mailbox, timers, metrics)";
        }
        return "other";
    }

    /**
     * Which Parquet writer a sample is in. Setting up a writer for a new part file (Parquet's
     * column buffers, the codec, the schema) is its own line: the FileSink makes one per bucket per
     * checkpoint. At a checkpoint barrier the writers close their part files, except the chain
     * heads, which are written then. The ops writer is called from the masking map, the quarantine
     * writer from the quarantine chain, the audit writer from the operator that chains decisions
     * (dedup-link-chain, or the two-shuffle graph's chain or card linker); the SQL baseline's
     * writer from the table filesystem sink.
     */
    private static String parquetWriter(String task, List<String> frames) {
        if (any(
                frames,
                "ParquetWriterFactory.create",
                "MeteredFileSink$OpenPartFiles.create",
                "BulkBucketWriter.openNew")) {
            return "Parquet: opening part files (writer set-up, all writers)";
        }
        if (any(frames, "publishHeads")) {
            return "Parquet: chain-heads writers";
        }
        if (any(frames, "prepareSnapshotPreBarrier", "SinkWriterOperator.endInput")) {
            return "Parquet: close part files at checkpoints (all writers)";
        }
        if (any(frames, "org.apache.flink.streaming.api.operators.StreamMap.processElement")) {
            return "Parquet: ops writer (masked copy)";
        }
        if (any(frames, "io.decisionledger.chain.QuarantineChainOperator")
                || task.contains("quarantine")) {
            return "Parquet: quarantine writer";
        }
        if (any(
                frames,
                "io.decisionledger.ingest.DedupLinkChainOperator",
                "io.decisionledger.chain.ChainLinkOperator",
                "io.decisionledger.models.ModelCardLinker")) {
            return "Parquet: audit writer";
        }
        if (task.contains("sql")
                || any(
                        frames,
                        "org.apache.flink.table.",
                        "org.apache.flink.connector.file.table.",
                        "StreamingFileWriter")) {
            return "Parquet: writer (SQL filesystem sink)";
        }
        return "Parquet: other writers (models, metrics)";
    }

    private static boolean stateAccess(List<String> frames) {
        return any(
                frames,
                "org.rocksdb.",
                "org.apache.flink.state.rocksdb.",
                "org.apache.flink.contrib.streaming.state.",
                "org.apache.flink.runtime.state.",
                "InternalTimerServiceImpl");
    }

    /**
     * The task a thread runs: Flink names task threads after their operator chain, e.g. "Source:
     * kafka-decisions -> split-refused (1/2)#0"; the subtask suffix is dropped.
     */
    static String task(String thread) {
        int paren = thread.lastIndexOf(" (");
        String name = paren > 0 ? thread.substring(0, paren) : thread;
        return name.length() > 70 ? name.substring(0, 70) + "…" : name;
    }

    private static boolean any(List<String> frames, String... needles) {
        for (String f : frames) {
            for (String n : needles) {
                if (f.contains(n)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Printable lines of a budget: step, µs per event, share of the total. */
    public static List<String> lines(Map<String, Double> us) {
        double total = us.values().stream().mapToDouble(Double::doubleValue).sum();
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Double> e : us.entrySet()) {
            out.add(
                    String.format(
                            Locale.ROOT,
                            "%8.1f µs  %5.1f%%  %s",
                            e.getValue(),
                            100 * e.getValue() / Math.max(1e-9, total),
                            e.getKey()));
        }
        out.add(String.format(Locale.ROOT, "%8.1f µs  100.0%%  total", total));
        return out;
    }

    /**
     * {@code CpuBudget profile.jfr cpu_s gc_s jit_s events [thread-cpu.tsv]}: prints the budget of
     * a profiled run (the figures are in its result.json, the thread readings next to it).
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 5 && args.length != 6) {
            System.err.println(
                    "usage: CpuBudget profile.jfr cpu_s gc_s jit_s events [thread-cpu.tsv]");
            System.exit(2);
        }
        Samples s = count(Path.of(args[0]));
        System.out.println(s.total() + " execution samples");
        lines(
                        microsPerEvent(
                                s,
                                args.length == 6 ? ThreadCpu.load(Path.of(args[5])) : Map.of(),
                                Double.parseDouble(args[1]),
                                Double.parseDouble(args[2]),
                                Double.parseDouble(args[3]),
                                Long.parseLong(args[4])))
                .forEach(System.out::println);
    }
}
