package io.decisionledger.options;

import io.decisionledger.lake.ParquetSettings;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a job encodes the Parquet it writes ({@code --parquet-compression}, {@code
 * --parquet-row-group-bytes}, {@code --parquet-page-bytes}): one option group with each job's own
 * defaults (the streaming jobs' small row groups, compaction's large ones).
 */
public final class ParquetOptions {

    private ParquetOptions() {}

    /**
     * @param defaults the job's defaults
     * @param rowGroupNote what the row-group size means for this job
     */
    public static void declare(OptionTable table, ParquetSettings defaults, String rowGroupNote) {
        table.add(
                "parquet-compression",
                defaults.compression(),
                "SNAPPY | ZSTD | GZIP | UNCOMPRESSED.");
        table.add(
                "parquet-row-group-bytes", String.valueOf(defaults.rowGroupBytes()), rowGroupNote);
        table.add("parquet-page-bytes", String.valueOf(defaults.pageBytes()), "Parquet page size.");
    }

    public static ParquetSettings read(OptionTable.Parsed given) {
        String compression = given.value("parquet-compression");
        try {
            ParquetSettings.codec(compression);
        } catch (IllegalArgumentException e) {
            throw new OptionTable.InvalidOptionException(
                    "--parquet-compression: " + e.getMessage());
        }
        try {
            return new ParquetSettings(
                    compression,
                    given.integer("parquet-row-group-bytes"),
                    given.integer("parquet-page-bytes"));
        } catch (OptionTable.InvalidOptionException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new OptionTable.InvalidOptionException(
                    "--parquet-row-group-bytes, --parquet-page-bytes: " + e.getMessage());
        }
    }

    /** {@code settings} as the options that give them. */
    public static Map<String, String> options(ParquetSettings settings) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("parquet-compression", settings.compression());
        o.put("parquet-row-group-bytes", String.valueOf(settings.rowGroupBytes()));
        o.put("parquet-page-bytes", String.valueOf(settings.pageBytes()));
        return o;
    }
}
