package io.decisionledger.replay;

import io.decisionledger.decision.FieldDigests;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * Picks the stored decisions a replay re-sends: tenant, event-time range and model version filter
 * (only the matching {@code tenant_id=}/{@code event_date=} partitions are read), then a
 * deterministic sample: each decision's sample key is the first 8 bytes of SHA-256(seed ‖ tenant_id
 * ‖ 0 ‖ event_id) as an unsigned fraction of 2^64; a rate keeps keys below it, a size keeps the
 * smallest keys. The same options select the same decisions on every run, so two runs (e.g. the
 * recorded model and a what-if model) compare like with like.
 *
 * <p>The client reads only the columns the selection needs ({@link #COLUMNS}: ids, tenant, event
 * time, model version), never a prompt, a context or a user id; what it selects is where each
 * decision is ({@link Selected}), and the job's tasks read the decisions themselves ({@link
 * ReadSelectedDecisions}), applying {@link #selected(ReplayOptions, DecisionRecord)} again.
 */
public final class ReplaySelection {

    /** The columns the selection reads on the client. */
    static final List<String> COLUMNS =
            List.of("event_id", "event_time", "tenant_id", "model_version");

    /** One selected decision: its tenant, its event id and the lake file that holds it. */
    public record Selected(String tenantId, String eventId, String file) {}

    private ReplaySelection() {}

    public static List<Selected> select(ReplayOptions o) throws IOException {
        LocalDate fromDate =
                o.from() == null ? null : o.from().atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate toDate = o.to() == null ? null : o.to().atZone(ZoneOffset.UTC).toLocalDate();
        List<Keyed> kept = new ArrayList<>();
        for (Path partition : LakeFiles.auditPartitions(o.lake(), o.tenant(), fromDate, toDate)) {
            for (FileStatus f : LakeFiles.parquetFiles(partition)) {
                String file = f.getPath().toString();
                LakeFiles.forEachRecord(
                        f,
                        DecisionRecord.getClassSchema(),
                        COLUMNS,
                        row -> {
                            String tenant = text(row, "tenant_id");
                            String eventId = text(row, "event_id");
                            if (selected(
                                    o,
                                    tenant,
                                    text(row, "model_version"),
                                    micros((Long) row.get("event_time")))) {
                                double key = sampleKey(o.seed(), tenant, eventId);
                                if (key < o.sampleRate()) {
                                    kept.add(new Keyed(key, new Selected(tenant, eventId, file)));
                                }
                            }
                        });
            }
        }
        kept.sort(
                Comparator.comparingDouble(Keyed::key)
                        .thenComparing(k -> k.s().eventId())
                        .thenComparing(k -> k.s().file()));
        List<Selected> out = new ArrayList<>();
        for (Keyed k : kept) {
            if (o.sampleSize() > 0 && out.size() >= o.sampleSize()) {
                break;
            }
            out.add(k.s());
        }
        return out;
    }

    private record Keyed(double key, Selected s) {}

    private static String text(GenericRecord row, String column) {
        Object v = row.get(column);
        return v == null ? null : v.toString();
    }

    private static Instant micros(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    static boolean selected(ReplayOptions o, DecisionRecord d) {
        return selected(o, d.getTenantId(), d.getModelVersion(), d.getEventTime());
    }

    static boolean selected(ReplayOptions o, String tenant, String modelVersion, Instant time) {
        return (o.tenant() == null || o.tenant().equals(tenant))
                && (o.modelVersion() == null || o.modelVersion().equals(modelVersion))
                && (o.from() == null || !time.isBefore(o.from()))
                && (o.to() == null || time.isBefore(o.to()));
    }

    static double sampleKey(long seed, DecisionRecord d) {
        return sampleKey(seed, d.getTenantId(), d.getEventId());
    }

    static double sampleKey(long seed, String tenant, String eventId) {
        MessageDigest sha = FieldDigests.sha256();
        sha.update(ByteBuffer.allocate(8).putLong(seed).array());
        sha.update(tenant.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(eventId.getBytes(StandardCharsets.UTF_8));
        long bits = ByteBuffer.wrap(sha.digest()).getLong();
        // unsigned 64-bit → [0, 1)
        return (bits >>> 11) * 0x1.0p-53;
    }
}
