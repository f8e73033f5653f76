package io.decisionledger.audit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessLogPages;
import io.decisionledger.access.Caller;
import io.decisionledger.chain.ChainProof;
import io.decisionledger.decision.FieldDigests;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds the evidence bundle of one decision: a self-contained folder (and optionally a zip of it)
 * that a regulator, a court or the data subject's representative can keep and check without access
 * to the lake.
 *
 * <pre>
 * record.json       the full stored record, every column (exact values: hashes recompute from it)
 * decision.json     outcome, confidence, stated reasons, model and parameters, as in the record
 * model-card.json   the registered model version metadata, or the statement that there is none
 * chain-proof.json  the record's chain links up to the covering published head, and how to check
 * access-log.json   every recorded access to this record, with its access-log chain fields
 * evidence.html     the page a non-engineer reads and prints
 * manifest.json     who made the bundle, when and why, and the SHA-256 of every other file
 * event-id-collision.json   only when more than one stored record has the event id: all of them
 * </pre>
 *
 * Making a bundle is a compliance-officer read and is written to the access log first, so the
 * bundle lists its own creation among the accesses.
 */
public final class EvidenceBundle {

    static final String FORMAT = "decision-ledger evidence bundle v1";
    static final String MANIFEST = "manifest.json";

    /** Present only when more than one stored record has the event id: all of them. */
    static final String COLLISION_FILE = "event-id-collision.json";

    /** Accesses listed in a bundle at most (the access-log command lists any more). */
    static final int MAX_ACCESSES = 10_000;

    static final List<String> FILES =
            List.of(
                    "record.json",
                    "decision.json",
                    "model-card.json",
                    "chain-proof.json",
                    "access-log.json",
                    "evidence.html");

    /**
     * What was written.
     *
     * @param zip the zip file, or null when not asked for
     * @param checks the chain-proof checks as run when the bundle was made
     * @param recordsForEventId stored records with this event id (more than one: a collision)
     */
    public record Result(
            Path folder,
            Path zip,
            List<ChainProof.Check> checks,
            AccessLogEntry logged,
            int recordsForEventId) {
        /** The proof holds and the event id names one stored record only. */
        public boolean verified() {
            return recordsForEventId == 1
                    && !checks.isEmpty()
                    && checks.stream().allMatch(ChainProof.Check::ok);
        }
    }

    private final AuditQueries queries;
    private final Clock clock;

    public EvidenceBundle(AuditQueries queries, Clock clock) {
        this.queries = queries;
        this.clock = clock;
    }

    /**
     * Writes the bundle of decision {@code eventId} of {@code tenant} into {@code folder} (created;
     * it must not exist or be empty).
     *
     * @throws AccessRefusedException for a role that may not read full records
     * @throws IllegalArgumentException without a purpose, or when there is no such decision (the
     *     attempt is still logged)
     */
    public Result create(
            Caller caller, String purpose, String tenant, String eventId, Path folder, boolean zip)
            throws IOException {
        // role, purpose and ids first: nothing on disk is looked at for a caller who may not
        queries.requireBundleAccess(caller, purpose, tenant, eventId);
        if (Files.exists(folder)) {
            try (Stream<Path> s = Files.list(folder)) {
                if (s.findAny().isPresent()) {
                    // the folder's name only: an error never shows where the server keeps files
                    throw new IllegalArgumentException(
                            "the bundle folder " + folder.getFileName() + " is not empty");
                }
            }
        }
        ScanStats stats = new ScanStats();
        List<DecisionScan.Found<DecisionRecord>> found =
                queries.recordsForBundle(caller, purpose, tenant, eventId, stats);
        Map<String, String> query = new LinkedHashMap<>();
        query.put("tenant", tenant);
        query.put("event_id", eventId);
        query.put("bundle", folder.getFileName().toString());
        if (found.isEmpty()) {
            log(caller, purpose, tenant, List.of(), query);
            throw new IllegalArgumentException(
                    "no decision with this event id in tenant " + tenant);
        }
        // With a collision the bundle is about all of them: the first stored is the one proven,
        // every one is included, and the bundle does not verify until the duplicate is explained.
        DecisionRecord record = found.get(0).record();
        ChainProof proof = ChainProof.gather(queries.lake(), record);
        List<ChainProof.Check> checks = proof.verify(record);
        Optional<ModelCards.Card> card = ModelCards.find(queries.lake(), record);

        AccessLogEntry logged = log(caller, purpose, tenant, List.of(eventId), query);
        AccessLogPages.Page accessPage = queries.accessesTo(tenant, eventId, MAX_ACCESSES);
        List<AccessLogEntry> accesses = accessPage.entries();

        Files.createDirectories(folder);
        Map<String, String> digests = new LinkedHashMap<>();
        write(folder, "record.json", pretty(RecordJson.toJson(record)), digests);
        write(folder, "decision.json", pretty(decisionSummary(record)), digests);
        write(folder, "model-card.json", pretty(modelCard(record, card)), digests);
        write(folder, "chain-proof.json", pretty(ChainProofJson.toJson(proof, checks)), digests);
        ObjectNode access = RecordJson.MAPPER.createObjectNode();
        access.put("tenant_id", tenant);
        access.put("event_id", eventId);
        ArrayNode entries = access.putArray("entries");
        accesses.forEach(e -> entries.add(RecordJson.toJson(e)));
        access.put("read_via", accessPage.source());
        if (accessPage.more()) {
            access.put(
                    "truncated",
                    "only the first " + MAX_ACCESSES + " accesses; list the rest with access-log");
        }
        write(folder, "access-log.json", pretty(access), digests);
        if (found.size() > 1) {
            ObjectNode collision = RecordJson.MAPPER.createObjectNode();
            collision.put("tenant_id", tenant);
            collision.put("event_id", eventId);
            collision.put("records_for_event_id", found.size());
            collision.put(
                    "statement",
                    found.size()
                            + " stored records share this event id; record.json holds the first"
                            + " stored, all are listed here");
            ArrayNode all = collision.putArray("records");
            found.forEach(f -> all.add(RecordJson.toJson(f.record())));
            write(folder, COLLISION_FILE, pretty(collision), digests);
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        String html =
                EvidenceHtml.render(
                        new EvidenceHtml.Page(
                                record,
                                card.orElse(null),
                                proof,
                                checks,
                                accesses,
                                new LinkedHashMap<>(digests),
                                now,
                                caller,
                                purpose,
                                found.size()));
        write(folder, "evidence.html", html, digests);

        ObjectNode manifest = RecordJson.MAPPER.createObjectNode();
        manifest.put("format", FORMAT);
        manifest.put("tenant_id", tenant);
        manifest.put("event_id", eventId);
        manifest.put("records_for_event_id", found.size());
        manifest.put("created_at", now.toString());
        manifest.put("created_by", caller.user());
        manifest.put("created_by_role", caller.role().id());
        manifest.put("purpose", purpose);
        manifest.put("access_id", logged.getAccessId());
        manifest.put("access_log_seq", logged.getLogSeq());
        manifest.put("lake", queries.lake().root());
        manifest.put(
                "verify_with",
                "java -jar decision-ledger-audit.jar verify-bundle <this folder or zip>");
        ArrayNode files = manifest.putArray("files");
        for (Map.Entry<String, String> e : digests.entrySet()) {
            files.addObject()
                    .put("name", e.getKey())
                    .put("bytes", Files.size(folder.resolve(e.getKey())))
                    .put("sha256", e.getValue());
        }
        Files.writeString(folder.resolve(MANIFEST), pretty(manifest), StandardCharsets.UTF_8);

        Path zipFile = null;
        if (zip) {
            zipFile = folder.resolveSibling(folder.getFileName() + ".zip");
            zip(folder, zipFile, digests.keySet());
        }
        return new Result(folder, zipFile, checks, logged, found.size());
    }

    private AccessLogEntry log(
            Caller caller,
            String purpose,
            String tenant,
            List<String> ids,
            Map<String, String> query)
            throws IOException {
        return queries.accessLog()
                .record(
                        new AccessLog.Access(
                                caller,
                                AccessLog.Action.BUNDLE,
                                purpose,
                                AccessLog.DATASET_DECISIONS,
                                tenant,
                                ids,
                                query));
    }

    /** The summary file: every value copied from the record, so the verifier can compare. */
    static ObjectNode decisionSummary(DecisionRecord r) {
        ObjectNode d = RecordJson.MAPPER.createObjectNode();
        d.put("event_id", r.getEventId());
        d.put("tenant_id", r.getTenantId());
        d.put("event_time", r.getEventTime().toString());
        d.put("user_id", r.getUserId());
        d.put("case_id", r.getCaseId());
        ObjectNode decision = d.putObject("decision");
        if (r.getDecisionApproved() == null) {
            decision.putNull("approved");
        } else {
            decision.put("approved", r.getDecisionApproved());
        }
        if (r.getDecisionConfidence() == null) {
            decision.putNull("confidence");
        } else {
            decision.put("confidence", r.getDecisionConfidence());
        }
        decision.put("reasoning", r.getDecisionReasoning());
        ObjectNode model = d.putObject("model");
        model.put("model", r.getModel());
        model.put("model_version", r.getModelVersion());
        model.put("model_metadata_id", r.getModelMetadataId());
        ObjectNode parameters = d.putObject("parameters");
        if (r.getTemperature() == null) {
            parameters.putNull("temperature");
        } else {
            parameters.put("temperature", r.getTemperature());
        }
        if (r.getMaxTokens() == null) {
            parameters.putNull("max_tokens");
        } else {
            parameters.put("max_tokens", r.getMaxTokens());
        }
        if (r.getTopP() == null) {
            parameters.putNull("top_p");
        } else {
            parameters.put("top_p", r.getTopP());
        }
        return d;
    }

    private static ObjectNode modelCard(DecisionRecord r, Optional<ModelCards.Card> card) {
        ObjectNode m = RecordJson.MAPPER.createObjectNode();
        m.put("model", r.getModel());
        m.put("model_version", r.getModelVersion());
        m.put("model_metadata_id", r.getModelMetadataId());
        m.put("registered", card.isPresent());
        if (card.isPresent()) {
            m.put("matched_on", card.get().matchedOn());
            m.put("source_file", card.get().file());
            m.set("card", RecordJson.toJson(card.get().record()));
        } else {
            m.put("statement", "no registered model card");
        }
        return m;
    }

    private static void write(Path folder, String name, String content, Map<String, String> digests)
            throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Files.write(folder.resolve(name), bytes);
        digests.put(name, sha256Hex(bytes));
    }

    static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(FieldDigests.sha256().digest(bytes));
    }

    private static String pretty(Object json) throws IOException {
        return RecordJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n";
    }

    private static void zip(Path folder, Path zipFile, java.util.Set<String> written)
            throws IOException {
        String top = folder.getFileName().toString();
        try (OutputStream out = Files.newOutputStream(zipFile);
                ZipOutputStream z = new ZipOutputStream(out)) {
            for (String name : Stream.concat(written.stream(), Stream.of(MANIFEST)).toList()) {
                ZipEntry e = new ZipEntry(top + "/" + name);
                e.setTime(Files.getLastModifiedTime(folder.resolve(name)).toMillis());
                z.putNextEntry(e);
                Files.copy(folder.resolve(name), z);
                z.closeEntry();
            }
        }
    }
}
