package io.decisionledger.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThreadCpuTest {

    @Test
    void aStatLineGivesTheThreadsIdNameAndUserPlusSystemTime() {
        // a Flink task thread's name holds spaces and parentheses; utime 1234, stime 66 ticks
        String stat =
                "4711 (Source: kafka (1) S 4690 4690 1 0 -1 4194368 120 0 0 0 1234 66 0 0 20 0 80 0"
                        + " 1234567 0 0";

        ThreadCpu.Task t = ThreadCpu.parse(stat);

        assertThat(t.tid()).isEqualTo(4711);
        assertThat(t.name()).isEqualTo("Source: kafka (1");
        assertThat(t.cpuSeconds()).isCloseTo(13.0, within(1e-9));
    }

    @Test
    void thisThreadsBusyLoopShowsUpInItsOwnReading() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ThreadCpu.available(), "needs /proc");
        long[] tid = new long[1];
        Thread busy =
                new Thread(
                        () -> {
                            // until it has had 300 ms of CPU, however long the machine's other
                            // work makes that take
                            java.lang.management.ThreadMXBean bean =
                                    java.lang.management.ManagementFactory.getThreadMXBean();
                            long x = 0;
                            while (bean.getCurrentThreadCpuTime() < 300_000_000L) {
                                x += System.nanoTime() % 7;
                            }
                            tid[0] = x; // keep the loop
                        },
                        "busy-for-test");
        try (ThreadCpu.Sampler sampler = new ThreadCpu.Sampler(50)) {
            busy.start();
            busy.join();
            Thread.sleep(200); // the thread has ended: only the sampler's readings know it
            Map<Long, ThreadCpu.Task> all = sampler.snapshot();
            ThreadCpu.Task reading =
                    all.values().stream()
                            .filter(t -> t.name().equals("busy-for-test"))
                            .findFirst()
                            .orElseThrow();
            // its last reading may be up to one 50 ms interval before it ended
            assertThat(reading.cpuSeconds()).isGreaterThan(0.2);
        }
    }

    @Test
    void readingsSurviveTheFileAndSinceSubtractsTheEarlierOnes(@TempDir Path dir) throws Exception {
        Map<Long, ThreadCpu.Task> earlier = Map.of(1L, new ThreadCpu.Task(1, "main", 2.0));
        Map<Long, ThreadCpu.Task> later =
                Map.of(
                        1L, new ThreadCpu.Task(1, "main", 5.5),
                        2L, new ThreadCpu.Task(2, "task (1/2)#0", 1.25));

        Map<Long, ThreadCpu.Task> run = ThreadCpu.since(earlier, later);
        ThreadCpu.write(run, dir.resolve("t.tsv"));

        assertThat(ThreadCpu.load(dir.resolve("t.tsv")))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                1L, new ThreadCpu.Task(1, "main", 3.5),
                                2L, new ThreadCpu.Task(2, "task (1/2)#0", 1.25)));
    }
}
