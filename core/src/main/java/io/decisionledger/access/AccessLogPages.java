package io.decisionledger.access;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.AccessLogEntry;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * Bounded reads of the access log: one page of matching entries in seq order, after a given seq,
 * reading entry files one by one in seq order (their names carry the seq) and stopping at the first
 * match past the page, so a read never holds more than a page however long the log is. With a
 * tenant and an event id it reads only the entries the {@link AccessLogIndex} names, or, when the
 * index cannot be trusted, scans and says so.
 */
public final class AccessLogPages {

    private static final Pattern ENTRY_FILE =
            Pattern.compile("access-(\\d{20})-[0-9a-f-]{36}\\.parquet");

    /**
     * One page.
     *
     * @param entries at most the limit, in seq order
     * @param more true when at least one more entry matches after the last one
     * @param source "index", or why the log was scanned instead
     */
    public record Page(List<AccessLogEntry> entries, boolean more, String source) {
        /** The seq to continue after, or -1 when there is no more. */
        public long nextAfterSeq() {
            return more ? entries.get(entries.size() - 1).getLogSeq() : -1;
        }
    }

    private final AccessLogIndex index;

    public AccessLogPages(LakeLayout lake) {
        this.index = new AccessLogIndex(lake);
    }

    /**
     * Entries with seq &gt; {@code afterSeq}, access date within [from, to] (either may be null),
     * matching {@code filter}, at most {@code limit}.
     *
     * @param tenantAndEvent when both are set, the entries naming this event id (filter still
     *     applies)
     */
    public Page read(
            LocalDate from,
            LocalDate to,
            long afterSeq,
            int limit,
            String tenant,
            String eventId,
            Predicate<AccessLogEntry> filter)
            throws IOException {
        if (limit < 1) {
            throw new IllegalArgumentException("the page limit must be at least 1");
        }
        List<AccessLogEntry> out = new ArrayList<>();
        String source = "scan";
        if (tenant != null && eventId != null) {
            AccessLogIndex.Lookup lookup = index.lookup(tenant, eventId);
            if (lookup.complete()) {
                for (Path file : lookup.entryFiles()) {
                    Matcher m = ENTRY_FILE.matcher(file.getName());
                    LocalDate date =
                            LocalDate.parse(
                                    file.getParent().getName().substring("access_date=".length()));
                    if (!m.matches()
                            || Long.parseLong(m.group(1)) <= afterSeq
                            || (from != null && date.isBefore(from))
                            || (to != null && date.isAfter(to))) {
                        continue;
                    }
                    if (readOne(file, tenant, eventId, filter, out) && out.size() > limit) {
                        break;
                    }
                }
                return page(out, limit, "index");
            }
            source = "scan (" + lookup.reason() + ")";
        }
        for (LocalDate d : index.dates()) {
            if ((from != null && d.isBefore(from)) || (to != null && d.isAfter(to))) {
                continue;
            }
            List<long[]> seqs = new ArrayList<>();
            List<FileStatus> files = LakeFiles.parquetFiles(index.dateDir(d));
            for (int i = 0; i < files.size(); i++) {
                Matcher m = ENTRY_FILE.matcher(files.get(i).getPath().getName());
                if (m.matches() && Long.parseLong(m.group(1)) > afterSeq) {
                    seqs.add(new long[] {Long.parseLong(m.group(1)), i});
                }
            }
            seqs.sort(Comparator.comparingLong(s -> s[0]));
            for (long[] s : seqs) {
                if (readOne(files.get((int) s[1]).getPath(), tenant, eventId, filter, out)
                        && out.size() > limit) {
                    return page(out, limit, source);
                }
            }
        }
        return page(out, limit, source);
    }

    private static boolean readOne(
            Path file,
            String tenant,
            String eventId,
            Predicate<AccessLogEntry> filter,
            List<AccessLogEntry> out)
            throws IOException {
        boolean[] added = {false};
        LakeFiles.forEachRecord(
                file.getFileSystem().getFileStatus(file),
                AccessLogEntry.class,
                e -> {
                    if ((tenant == null || tenant.equals(e.getTenantId()))
                            && (eventId == null || e.getRecordIds().contains(eventId))
                            && filter.test(e)) {
                        out.add(e);
                        added[0] = true;
                    }
                });
        return added[0];
    }

    private static Page page(List<AccessLogEntry> out, int limit, String source) {
        boolean more = out.size() > limit;
        return new Page(List.copyOf(more ? out.subList(0, limit) : out), more, source);
    }
}
