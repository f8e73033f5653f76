package io.decisionledger.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exclusive create on a local lake: one winner, complete content, no leftovers. */
class ExclusiveCreateTest {

    @TempDir Path dir;

    @Test
    void createsOnceAndNeverReplaces() throws Exception {
        org.apache.flink.core.fs.Path target =
                new org.apache.flink.core.fs.Path(dir.resolve("claims/1.json").toUri());

        boolean first = ExclusiveCreate.create(target, bytes("first"));
        boolean second = ExclusiveCreate.create(target, bytes("second"));

        assertThat(first).isTrue();
        assertThat(second).isFalse();
        assertThat(Files.readString(dir.resolve("claims/1.json"))).isEqualTo("first");
        try (Stream<Path> s = Files.list(dir.resolve("claims"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("1.json");
        }
    }

    @Test
    void exactlyOneOfManyConcurrentCreatorsWins() throws Exception {
        org.apache.flink.core.fs.Path target =
                new org.apache.flink.core.fs.Path(dir.resolve("claims/7.json").toUri());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            byte[] content = bytes("writer-" + i);
            results.add(pool.submit(() -> ExclusiveCreate.create(target, content)));
        }
        int winners = 0;
        for (Future<Boolean> r : results) {
            winners += r.get() ? 1 : 0;
        }
        pool.shutdown();

        assertThat(winners).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("claims/7.json"))).startsWith("writer-");
    }

    @Test
    void refusesAFileSystemThatCannotCreateExclusively() {
        org.apache.flink.core.fs.Path target =
                new org.apache.flink.core.fs.Path("hdfs://namenode/lake/access-log/_seq/1.json");

        assertThatThrownBy(() -> ExclusiveCreate.create(target, bytes("x")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no exclusive create on hdfs://");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
