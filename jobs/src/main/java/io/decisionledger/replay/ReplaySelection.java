package io.decisionledger.replay;

import io.decisionledger.decision.FieldDigests;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * Picks the stored decisions a replay re-sends: tenant, event-time range and model version filter
 * (only the matching {@code tenant_id=}/{@code event_date=} partitions are read), then a
 * deterministic sample: each decision's sample key is the first 8 bytes of SHA-256(seed ‖ tenant_id
 * ‖ 0 ‖ event_id) as an unsigned fraction of 2^64; a rate keeps keys below it, a size keeps the
 * smallest keys. The same options select the same decisions on every run, so two runs (e.g. the
 * recorded model and a what-if model) compare like with like.
 */
public final class ReplaySelection {

    private ReplaySelection() {}

    public static List<DecisionRecord> select(ReplayOptions o) throws IOException {
        LocalDate fromDate =
                o.from() == null ? null : o.from().atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate toDate = o.to() == null ? null : o.to().atZone(ZoneOffset.UTC).toLocalDate();
        List<Keyed> kept = new ArrayList<>();
        for (Path partition : LakeFiles.auditPartitions(o.lake(), o.tenant(), fromDate, toDate)) {
            for (FileStatus f : LakeFiles.parquetFiles(partition)) {
                LakeFiles.forEachRecord(
                        f,
                        DecisionRecord.class,
                        d -> {
                            if (selected(o, d)) {
                                double key = sampleKey(o.seed(), d);
                                if (key < o.sampleRate()) {
                                    kept.add(new Keyed(key, d));
                                }
                            }
                        });
            }
        }
        kept.sort(Comparator.comparingDouble(Keyed::key).thenComparing(k -> k.d().getEventId()));
        List<DecisionRecord> out = new ArrayList<>();
        for (Keyed k : kept) {
            if (o.sampleSize() > 0 && out.size() >= o.sampleSize()) {
                break;
            }
            out.add(k.d());
        }
        return out;
    }

    private record Keyed(double key, DecisionRecord d) {}

    static boolean selected(ReplayOptions o, DecisionRecord d) {
        return (o.tenant() == null || o.tenant().equals(d.getTenantId()))
                && (o.modelVersion() == null || o.modelVersion().equals(d.getModelVersion()))
                && (o.from() == null || !d.getEventTime().isBefore(o.from()))
                && (o.to() == null || d.getEventTime().isBefore(o.to()));
    }

    static double sampleKey(long seed, DecisionRecord d) {
        MessageDigest sha = FieldDigests.sha256();
        sha.update(ByteBuffer.allocate(8).putLong(seed).array());
        sha.update(d.getTenantId().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(d.getEventId().getBytes(StandardCharsets.UTF_8));
        long bits = ByteBuffer.wrap(sha.digest()).getLong();
        // unsigned 64-bit → [0, 1)
        return (bits >>> 11) * 0x1.0p-53;
    }
}
