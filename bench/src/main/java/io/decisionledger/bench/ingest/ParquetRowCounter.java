package io.decisionledger.bench.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.LocalInputFile;

/**
 * Counts what a measured job committed to a local lake folder, from the Parquet footers alone: the
 * files a BI tool would read (hidden {@code .part-*} in-progress files and {@code _}-prefixed
 * markers are skipped), their rows and bytes. It checks that a measured run did its work; it is not
 * on the timed path.
 */
public final class ParquetRowCounter {

    /** Committed rows, files and bytes under a folder. */
    public record Committed(long rows, long files, long bytes) {}

    private ParquetRowCounter() {}

    public static Committed count(Path dir) {
        if (!Files.isDirectory(dir)) {
            return new Committed(0, 0, 0);
        }
        long rows = 0;
        long files = 0;
        long bytes = 0;
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> parquet =
                    walk.filter(Files::isRegularFile)
                            .filter(f -> visible(dir.relativize(f)))
                            .sorted()
                            .toList();
            for (Path file : parquet) {
                try (ParquetFileReader reader =
                        ParquetFileReader.open(
                                new LocalInputFile(file), ParquetReadOptions.builder().build())) {
                    for (BlockMetaData block : reader.getFooter().getBlocks()) {
                        rows += block.getRowCount();
                    }
                }
                files++;
                bytes += Files.size(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the Parquet files under " + dir, e);
        }
        return new Committed(rows, files, bytes);
    }

    private static boolean visible(Path file) {
        for (Path part : file) {
            String name = part.toString();
            if (name.startsWith(".") || name.startsWith("_")) {
                return false;
            }
        }
        return true;
    }
}
