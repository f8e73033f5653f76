package io.decisionledger.lake;

import java.io.Serializable;
import java.util.Locale;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * How the streaming jobs encode Parquet. Every open bucket (tenant × date × subtask) holds one
 * writer with buffers up to roughly a row group, so the row-group size bounds memory per open
 * bucket; files roll at every checkpoint anyway, so large row groups gain little while streaming.
 * Compaction rewrites with its own, larger settings. The options that give them are
 * io.decisionledger.options.ParquetOptions.
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

    public static ParquetSettings defaults() {
        return new ParquetSettings(
                DEFAULT_COMPRESSION, DEFAULT_ROW_GROUP_BYTES, DEFAULT_PAGE_BYTES);
    }

    CompressionCodecName codec() {
        return codec(compression);
    }

    /** The codec named (in any case); an unknown name is an IllegalArgumentException. */
    public static CompressionCodecName codec(String name) {
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
