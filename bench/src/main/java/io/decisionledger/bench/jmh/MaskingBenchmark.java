package io.decisionledger.bench.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.bench.events.DecisionEventGenerator;
import io.decisionledger.privacy.MaskingPolicy;
import io.decisionledger.privacy.PiiMasker;
import io.decisionledger.privacy.PseudonymKey;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.OpsDecisionRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The masked operational copy on its own: {@link PiiMasker} with the built-in policy on the
 * generator's valid events, already parsed, one event per op. This is the ops copy's share of
 * ingest's per-event work; compare it with {@code PerEventBenchmark.ingestParse} to see what
 * masking costs next to parsing. {@code policy}: {@code built-in} (one phone region, US; the user
 * id and the declared name and address keys matched in every text) or {@code ten-regions} (the same
 * with phoneRegions DE, FR, IT, ES, NL, PL, GB, US, IN, BR: every number-like run goes to
 * libphonenumber once per region). Not part of {@code bench/run.sh}; run it with JMH directly, with
 * the parse benchmark in the same run as the yardstick:
 *
 * <pre>
 * java -cp "bench/target/classes:$(cat bench/target/runtime-classpath.txt)" \
 *     org.openjdk.jmh.Main 'MaskingBenchmark|PerEventBenchmark.ingestParse' -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MaskingBenchmark {

    private static final int POOL = 4096;

    private static final List<String> TEN_REGIONS =
            List.of("DE", "FR", "IT", "ES", "NL", "PL", "GB", "US", "IN", "BR");

    @Param({"built-in", "ten-regions"})
    public String policy;

    private Path policyFile;

    private DecisionRecord[] decisions;
    private int next;
    private PiiMasker masker;
    private Path keyFile;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        decisions = DecisionEventGenerator.parsedValid(42, POOL).toArray(DecisionRecord[]::new);
        keyFile = Files.createTempDirectory("masking-bench").resolve("pseudonym.key");
        PseudonymKey.createKeyFileIfAbsent(keyFile);
        MaskingPolicy masking = MaskingPolicy.builtIn();
        if (policy.equals("ten-regions")) {
            ObjectMapper json = new ObjectMapper();
            ObjectNode root;
            try (InputStream in =
                    MaskingPolicy.class.getResourceAsStream(MaskingPolicy.DEFAULT_RESOURCE)) {
                root = (ObjectNode) json.readTree(in);
            }
            root.remove("phoneRegion");
            ArrayNode regions = root.putArray("phoneRegions");
            TEN_REGIONS.forEach(regions::add);
            policyFile = keyFile.resolveSibling("masking-policy.json");
            json.writeValue(policyFile.toFile(), root);
            masking = MaskingPolicy.load(policyFile);
        }
        masker =
                PiiMasker.standalone(
                        masking,
                        new PseudonymKey(keyFile.toString(), "UNUSED_BENCH_KEY_ENV", "bench"));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(keyFile);
        if (policyFile != null) {
            Files.deleteIfExists(policyFile);
        }
        Files.deleteIfExists(keyFile.getParent());
    }

    @Benchmark
    public OpsDecisionRecord maskDecision(CpuCounters cpu) {
        cpu.ops++;
        DecisionRecord d = decisions[next];
        next = (next + 1) % POOL;
        return masker.map(d);
    }
}
