package io.decisionledger.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How busy the whole machine is, so a result line can say whether other work competed with the
 * measured JVM: the load average, and (on Linux) CPU time used by all processes between two
 * snapshots, from {@code /proc/stat}. Subtracting the child's own CPU time from the machine's gives
 * the "other" load during a measurement.
 *
 * @param busySeconds CPU-seconds all cores spent outside idle and iowait since boot, or -1 where
 *     {@code /proc/stat} is not available
 * @param nanoTime when the snapshot was taken ({@link System#nanoTime()})
 */
public record MachineLoad(double busySeconds, long nanoTime) {

    private static final Path PROC_STAT = Path.of("/proc/stat");
    // USER_HZ: the unit of /proc/stat; 100 on every Linux architecture Java runs on.
    private static final double TICKS_PER_SECOND = 100.0;

    public static MachineLoad now() {
        return new MachineLoad(readBusySeconds(), System.nanoTime());
    }

    /** Cores the JVM may use. */
    public static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** One-minute load average, or -1 where the OS does not report it. */
    public static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** Average number of busy cores between {@code earlier} and this snapshot, or -1. */
    public double busyCoresSince(MachineLoad earlier) {
        if (busySeconds < 0 || earlier.busySeconds < 0 || nanoTime <= earlier.nanoTime) {
            return -1;
        }
        return (busySeconds - earlier.busySeconds) / ((nanoTime - earlier.nanoTime) / 1e9);
    }

    private static double readBusySeconds() {
        try {
            List<String> lines = Files.readAllLines(PROC_STAT);
            // cpu  user nice system idle iowait irq softirq steal guest guest_nice
            String[] f = lines.get(0).trim().split("\\s+");
            if (!f[0].equals("cpu")) {
                return -1;
            }
            long busy = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
