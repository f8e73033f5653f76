package io.decisionledger.bench.layout;

import io.decisionledger.bench.events.DecisionEventGenerator;
import io.decisionledger.bench.events.EventMix;
import io.decisionledger.bench.events.GeneratedEvent;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.decision.DecisionParser;
import io.decisionledger.decision.ParseOutcome;
import io.decisionledger.decision.ParserLimits;
import io.decisionledger.schema.DecisionRecord;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * What record layout 3 costs the ingest job per record, without JMH: on one thread, over at least a
 * million parsed records of the bench generator (a pool of 4,096 distinct events, cycled), the
 * thread CPU time of (a) the parser as it is now (parse, validate, salt from SecureRandom, d_i
 * once, the DLC2 fingerprint and the DLC3 content hash), (b) the layout-2 content hash alone (what
 * the parser did before), (c) the layout-3 work alone (salt draw, d_i, fingerprint, ten HMACs,
 * DLC3). Parse+hash before the change = a − c + b; the figure is a / (a − c + b). The rounds
 * alternate, so drift in machine load hits all three alike.
 *
 * <pre>java -cp … io.decisionledger.bench.layout.LayoutHashCost [records, default 1000000]</pre>
 */
public final class LayoutHashCost {

    private static final int POOL = 4096;
    private static final int ROUND = 100_000;

    private LayoutHashCost() {}

    public static void main(String[] args) {
        long records = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        List<GeneratedEvent> generated =
                DecisionEventGenerator.generate(EventMix.validOnly(42, POOL));
        byte[][] events = generated.stream().map(GeneratedEvent::value).toArray(byte[][]::new);
        Instant ingest = Instant.now().truncatedTo(ChronoUnit.MICROS);
        DecisionParser parser = new DecisionParser(ParserLimits.defaults());
        DecisionRecord[] parsed = new DecisionRecord[POOL];
        for (int i = 0; i < POOL; i++) {
            ParseOutcome o = parser.parse(events[i], "bench", 0, i, ingest);
            if (!o.isAccepted()) {
                throw new IllegalStateException("a valid event was refused: " + o);
            }
            parsed[i] = o.decision();
        }
        CanonicalContent content = new CanonicalContent();
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[CanonicalContent.SALT_BYTES];
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();

        // warm-up: one round of each
        long sink = 0;
        for (int i = 0; i < ROUND; i++) {
            sink += parser.parse(events[i % POOL], "bench", 0, i, ingest).hashCode();
            sink += content.sha256(parsed[i % POOL])[0];
            random.nextBytes(salt);
            sink += content.layout3(parsed[i % POOL], salt).contentSha256().charAt(0);
        }

        long parseNanos = 0;
        long dlc2Nanos = 0;
        long dlc3Nanos = 0;
        long saltNanos = 0;
        long done = 0;
        while (done < records) {
            long t0 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < ROUND; i++) {
                sink += parser.parse(events[i % POOL], "bench", 0, i, ingest).hashCode();
            }
            long t1 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < ROUND; i++) {
                sink += content.sha256(parsed[i % POOL])[0];
            }
            long t2 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < ROUND; i++) {
                random.nextBytes(salt);
                sink += content.layout3(parsed[i % POOL], salt).contentSha256().charAt(0);
            }
            long t3 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < ROUND; i++) {
                random.nextBytes(salt);
                sink += salt[0];
            }
            long t4 = cpu.getCurrentThreadCpuTime();
            saltNanos += t4 - t3;
            parseNanos += t1 - t0;
            dlc2Nanos += t2 - t1;
            dlc3Nanos += t3 - t2;
            done += ROUND;
        }
        double a = parseNanos / (double) done;
        double b = dlc2Nanos / (double) done;
        double c = dlc3Nanos / (double) done;
        double before = a - c + b;
        System.out.printf(
                "records %,d (pool %,d events of ~%,d bytes), CPU µs per record:%n"
                        + "  parse + layout-3 hashing (now)        %8.3f%n"
                        + "  layout-2 content hash alone (DLC2)    %8.3f%n"
                        + "  layout-3 work alone (salt+d_i+DLC2+DLC3) %8.3f%n"
                        + "    of which the SecureRandom salt draw   %8.3f%n"
                        + "  parse + layout-2 hashing (before) = now - layout3 + layout2 = %8.3f%n"
                        + "  ratio now / before = %.3f; layout-3 work / DLC2 hash = %.2f%n"
                        + "(checksum %d)%n",
                done,
                POOL,
                generated.stream().mapToInt(g -> g.value().length).sum() / POOL,
                a / 1000,
                b / 1000,
                c / 1000,
                saltNanos / (double) done / 1000,
                before / 1000,
                a / before,
                c / b,
                sink);
    }
}
