package io.decisionledger.lake;

import io.decisionledger.options.OptionTable;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * How the streaming jobs encode Parquet. Every open bucket (tenant × date × subtask) holds one
 * writer with buffers up to roughly a row group, so the row-group size bounds memory per open
 * bucket; files roll at every checkpoint anyway, so large row groups gain little while streaming.
 * Compaction rewrites with its own, larger settings.
 *
 * @param compression a Parquet codec: SNAPPY (default), ZSTD, GZIP or UNCOMPRESSED
 * @param rowGroupBytes target row-group size
 * @param pageBytes target page size
 */
public record ParquetSettings(String compression, int rowGroupBytes, int pageBytes)
        implements Serializable {

    public static final String DEFAULT_COMPRESSION = "SNAPPY";
    public static final int DEFAULT_ROW_GROUP_BYTES = 16 * 1024 * 1024;
    public static final int DEFAULT_PAGE_BYTES = 1024 * 1024;

    public ParquetSettings {
        codec(compression); // fail fast on a typo, at option parsing time
        if (rowGroupBytes < 64 * 1024 || pageBytes < 1024 || pageBytes > rowGroupBytes) {
            throw new IllegalArgumentException(
                    "Parquet sizes must satisfy 1 KiB <= page <= row group, row group >= 64 KiB");
        }
    }

    /** Declares --parquet-compression, --parquet-row-group-bytes and --parquet-page-bytes. */
    public static void declareOptions(OptionTable options) {
        options.add(
                "parquet-compression", DEFAULT_COMPRESSION, "SNAPPY | ZSTD | GZIP | UNCOMPRESSED.");
        options.add(
                "parquet-row-group-bytes",
                String.valueOf(DEFAULT_ROW_GROUP_BYTES),
                "Parquet row-group size; bounds writer memory per open bucket.");
        options.add("parquet-page-bytes", String.valueOf(DEFAULT_PAGE_BYTES), "Parquet page size.");
    }

    public static ParquetSettings fromOptions(OptionTable.Parsed options) {
        return new ParquetSettings(
                options.value("parquet-compression"),
                options.integer("parquet-row-group-bytes"),
                options.integer("parquet-page-bytes"));
    }

    /** The options that reproduce these settings. */
    public List<String> toArgs() {
        return List.of(
                "--parquet-compression",
                compression,
                "--parquet-row-group-bytes",
                String.valueOf(rowGroupBytes),
                "--parquet-page-bytes",
                String.valueOf(pageBytes));
    }

    public static ParquetSettings defaults() {
        return new ParquetSettings(
                DEFAULT_COMPRESSION, DEFAULT_ROW_GROUP_BYTES, DEFAULT_PAGE_BYTES);
    }

    CompressionCodecName codec() {
        return codec(compression);
    }

    private static CompressionCodecName codec(String name) {
        try {
            return CompressionCodecName.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(
                    "unknown Parquet compression '"
                            + name
                            + "'; use SNAPPY, ZSTD, GZIP or UNCOMPRESSED");
        }
    }
}
