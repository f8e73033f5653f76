package io.decisionledger.bench.access;

import io.decisionledger.access.AccessLogHasher;
import io.decisionledger.schema.AccessLogEntry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * What access-log layout 2 (DLA2: salted HMAC commitments to purpose and query_json) costs per
 * entry against layout 1 (DLA1), without JMH: on one thread, the thread CPU time of (a) the DLA1
 * hash of an entry, (b) the DLA2 hash of the same entry including the SecureRandom salt draw (what
 * the writer does now), over alternating rounds so drift in machine load hits both alike. An
 * access-log append also writes and renames one Parquet file and creates one claim, which this does
 * not measure: the hash is a small part of an append either way.
 *
 * <pre>java -cp … io.decisionledger.bench.access.AccessLogHashCost [entries, default 1000000]</pre>
 */
public final class AccessLogHashCost {

    private static final int POOL = 1024;
    private static final int ROUND = 50_000;

    private AccessLogHashCost() {}

    public static void main(String[] args) {
        long entries = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        AccessLogEntry[] one = new AccessLogEntry[POOL];
        AccessLogEntry[] two = new AccessLogEntry[POOL];
        Instant t = Instant.parse("2026-03-16T09:00:00.000001Z");
        for (int i = 0; i < POOL; i++) {
            AccessLogEntry e =
                    AccessLogEntry.newBuilder()
                            .setAccessId(UUID.randomUUID().toString())
                            .setAccessTime(t.plusSeconds(i))
                            .setActor("a.officer@bank")
                            .setActorRole("compliance_officer")
                            .setChannel("HTTP")
                            .setAction("HISTORY")
                            .setPurpose("Complaint C-2026-" + (1000 + i))
                            .setDataset("audit/decisions")
                            .setTenantId("bank_456")
                            .setRecordIds(List.of("evt-" + i, "evt-" + (i + 1)))
                            .setQueryJson(
                                    "{\"from\":\"2026-01-01T00:00:00Z\",\"tenant\":\"bank_456\","
                                            + "\"to_exclusive\":\"2026-04-01T00:00:00Z\","
                                            + "\"user\":\"user_"
                                            + i
                                            + "\"}")
                            .setOutcome("RETURNED")
                            .setLogSeq((long) i + 1)
                            .setPrevHash(AccessLogHasher.GENESIS)
                            .setHash("")
                            .build();
            one[i] = e;
            two[i] = AccessLogEntry.newBuilder(e).setEntryLayout(AccessLogHasher.LAYOUT_2).build();
        }
        AccessLogHasher hasher = new AccessLogHasher();
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[32];
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int i = 0; i < ROUND; i++) {
            sink += hasher.hash(AccessLogHasher.GENESIS, one[i % POOL]).charAt(0);
            random.nextBytes(salt);
            two[i % POOL].setFieldSalt(HexFormat.of().formatHex(salt));
            sink += hasher.hash(AccessLogHasher.GENESIS, two[i % POOL]).charAt(0);
        }
        long dla1 = 0;
        long dla2 = 0;
        long done = 0;
        while (done < entries) {
            long t0 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < ROUND; i++) {
                sink += hasher.hash(AccessLogHasher.GENESIS, one[i % POOL]).charAt(0);
            }
            long t1 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < ROUND; i++) {
                random.nextBytes(salt);
                two[i % POOL].setFieldSalt(HexFormat.of().formatHex(salt));
                sink += hasher.hash(AccessLogHasher.GENESIS, two[i % POOL]).charAt(0);
            }
            long t2 = cpu.getCurrentThreadCpuTime();
            dla1 += t1 - t0;
            dla2 += t2 - t1;
            done += ROUND;
        }
        double a = dla1 / (double) done / 1000.0;
        double b = dla2 / (double) done / 1000.0;
        System.out.printf(
                "entries %,d, CPU µs per entry:%n"
                        + "  DLA1 hash (layout 1)                      %8.3f  (%,.0f entries/s)%n"
                        + "  DLA2 hash + salt draw (layout 2, now)     %8.3f  (%,.0f entries/s)%n"
                        + "  ratio DLA2 / DLA1 = %.2f%n"
                        + "(checksum %d)%n",
                done, a, 1e6 / a, b, 1e6 / b, b / a, sink);
    }
}
