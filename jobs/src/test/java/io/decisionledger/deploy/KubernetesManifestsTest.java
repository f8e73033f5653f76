package io.decisionledger.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.decisionledger.compaction.CompactionJob;
import io.decisionledger.compaction.CompactionOptions;
import io.decisionledger.ingest.IngestJob;
import io.decisionledger.ingest.IngestOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests in {@code deploy/kubernetes} against the Flink Kubernetes Operator's own
 * CRD schemas (from flink-kubernetes-operator-api's jar), made strict: the CRDs let unknown fields
 * through (the API server would silently prune them), so every object schema that lists its
 * properties is closed with {@code additionalProperties: false} here, and a misspelled field fails
 * the build instead of being dropped at deploy time. FlinkDeployments embedded in ConfigMaps (the
 * scheduled compaction) are checked the same way, and their Flink configuration keys against
 * Flink's option definitions.
 */
class KubernetesManifestsTest {

    private static final Path MANIFESTS =
            Path.of(System.getProperty("decisionledger.deploy.dir", "../deploy"))
                    .resolve("kubernetes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String API_VERSION = "flink.apache.org/v1beta1";

    /**
     * Flink versions newer than the 1.10 operator's enum (which ends at v1_20): the manifests
     * target Flink 2.2, which newer operator releases accept as v2_2.
     */
    private static final List<String> NEWER_FLINK_VERSIONS = List.of("v2_0", "v2_1", "v2_2");

    /** Kinds besides the operator's that the manifests may hold, with their API versions. */
    private static final Map<String, String> PLAIN_KINDS =
            Map.of(
                    "ServiceAccount", "v1",
                    "ConfigMap", "v1",
                    "Role", "rbac.authorization.k8s.io/v1",
                    "RoleBinding", "rbac.authorization.k8s.io/v1",
                    "CronJob", "batch/v1",
                    "PersistentVolumeClaim", "v1");

    private static final Map<String, JsonSchema> SCHEMAS =
            Map.of(
                    "FlinkDeployment", strictSchema("flinkdeployments", "FlinkDeployment"),
                    "FlinkSessionJob", strictSchema("flinksessionjobs", "FlinkSessionJob"));

    @Test
    void everyFlinkResourceMatchesTheOperatorCrdAndUsesKnownFlinkOptions() throws IOException {
        // given every Flink resource in the manifests, embedded ones included
        List<JsonNode> resources = flinkResources(allDocuments());
        assertThat(resources)
                .extracting(r -> r.path("metadata").path("name").asText())
                .containsExactlyInAnyOrder("decision-ledger-ingest", "decision-ledger-compaction");

        for (JsonNode resource : resources) {
            String name = resource.path("metadata").path("name").asText();
            // then each is valid against its CRD
            assertThat(resource.path("apiVersion").asText()).as(name).isEqualTo(API_VERSION);
            assertThat(validate(resource)).as(name).isEmpty();
            // and its Flink configuration uses options Flink knows
            List<String> keys = new ArrayList<>();
            resource.path("spec")
                    .path("flinkConfiguration")
                    .fieldNames()
                    .forEachRemaining(keys::add);
            assertThat(keys).as(name).isNotEmpty();
            assertThat(FlinkOptionKeys.problems(keys)).as(name).isEmpty();
        }
    }

    @Test
    void otherDocumentsAreKnownKubernetesKindsInTheNamespace() throws IOException {
        for (JsonNode doc : allDocuments()) {
            String kind = doc.path("kind").asText();
            if (SCHEMAS.containsKey(kind)) {
                continue;
            }
            assertThat(PLAIN_KINDS).as("kind of %s", doc.path("metadata")).containsKey(kind);
            assertThat(doc.path("apiVersion").asText()).as(kind).isEqualTo(PLAIN_KINDS.get(kind));
            assertThat(doc.path("metadata").path("name").asText()).as(kind).isNotBlank();
            assertThat(doc.path("metadata").path("namespace").asText())
                    .as(kind)
                    .isEqualTo("decision-ledger");
        }
    }

    @Test
    void ingestRunsIngestJobInApplicationModeWithSavepointUpgrades() throws IOException {
        JsonNode ingest = resource("decision-ledger-ingest");
        JsonNode job = ingest.path("spec").path("job");

        assertThat(ingest.path("kind").asText()).isEqualTo("FlinkDeployment");
        assertThat(job.path("entryClass").asText()).isEqualTo(IngestJob.class.getName());
        assertThat(job.path("jarURI").asText()).startsWith("local:///opt/flink/usrlib/");
        assertThat(job.path("upgradeMode").asText()).isEqualTo("savepoint");
        assertThat(job.path("allowNonRestoredState").asBoolean(true)).isFalse();
        // The job's own parser accepts the arguments, and the lake is on S3.
        List<String> args = new ArrayList<>();
        job.path("args").forEach(a -> args.add(a.asText()));
        IngestOptions options = IngestOptions.parse(args.toArray(new String[0]));
        assertThat(options.lake().root()).startsWith("s3://");
        // The pseudonymisation key is a file from a mounted secret, never a literal argument.
        String keyFile = options.pseudonymKey().file();
        JsonNode pod = ingest.path("spec").path("podTemplate").path("spec");
        String mountPath =
                pod
                        .path("containers")
                        .get(0)
                        .path("volumeMounts")
                        .findValuesAsText("mountPath")
                        .stream()
                        .filter(keyFile::startsWith)
                        .findFirst()
                        .orElseThrow();
        assertThat(keyFile).startsWith(mountPath + "/");
        assertThat(pod.path("volumes").findValuesAsText("secretName"))
                .contains("decision-ledger-pseudonym", "decision-ledger-heads-signing");
        // Production signs every chain head and refuses to start without the key.
        assertThat(options.signing().required()).isTrue();
        assertThat(options.signing().key())
                .isEqualTo(
                        new io.decisionledger.chain.PemFileSigningKey(
                                "/etc/decision-ledger/signing/heads.pem", "heads-1"));
        Map<String, String> conf = flinkConfiguration(ingest);
        assertThat(conf)
                .containsEntry("state.backend.type", "rocksdb")
                .containsEntry("high-availability.type", "kubernetes")
                .containsEntry(
                        "execution.checkpointing.externalized-checkpoint-retention",
                        "RETAIN_ON_CANCELLATION");
        assertThat(conf.get("execution.checkpointing.dir")).startsWith("s3://");
    }

    @Test
    void compactionIsABatchRunOfCompactionJobScheduledNightly() throws IOException {
        JsonNode compaction = resource("decision-ledger-compaction");
        JsonNode cronJob = document("CronJob", "decision-ledger-compaction");

        assertThat(compaction.path("spec").path("job").path("entryClass").asText())
                .isEqualTo(CompactionJob.class.getName());
        assertThat(compaction.path("spec").path("job").path("upgradeMode").asText())
                .isEqualTo("stateless");
        assertThat(flinkConfiguration(compaction)).containsEntry("execution.runtime-mode", "BATCH");
        assertThat(cronJob.path("spec").path("schedule").asText()).isEqualTo("30 2 * * *");
        assertThat(cronJob.path("spec").path("concurrencyPolicy").asText()).isEqualTo("Forbid");
        // The CronJob mounts the ConfigMap that holds the compaction FlinkDeployment.
        assertThat(cronJob.toString()).contains("decision-ledger-compaction");
        // The job's own parser accepts the arguments: landing bucket in, locked lake out.
        List<String> args = new ArrayList<>();
        compaction.path("spec").path("job").path("args").forEach(a -> args.add(a.asText()));
        CompactionOptions options = CompactionOptions.parse(args.toArray(new String[0]));
        assertThat(options.landing().root()).startsWith("s3://");
        assertThat(options.lake().root()).startsWith("s3://");
        assertThat(options.separateLanding()).isTrue();
        assertThat(options.dryRun()).isFalse();
        assertThat(options.failAt()).isNull();
    }

    @Test
    void reportRunsTheAuditReportCommandMonthlyForEveryTenantWithItsSecretsMounted()
            throws IOException {
        JsonNode cronJob = document("CronJob", "decision-ledger-report");
        JsonNode config = document("ConfigMap", "decision-ledger-report");
        assertThat(cronJob.path("spec").path("schedule").asText()).isEqualTo("0 6 1 * *");
        assertThat(cronJob.path("spec").path("timeZone").asText()).isEqualTo("Etc/UTC");
        assertThat(cronJob.path("spec").path("concurrencyPolicy").asText()).isEqualTo("Forbid");
        JsonNode pod = cronJob.path("spec").path("jobTemplate").path("spec").path("template");
        JsonNode spec = pod.path("spec");
        assertThat(spec.path("serviceAccountName").asText()).isEqualTo("decision-ledger-report");
        assertThat(spec.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(document("ServiceAccount", "decision-ledger-report")).isNotNull();
        assertThat(document("PersistentVolumeClaim", "decision-ledger-reports")).isNotNull();

        // volumes by name, and where the report container mounts them
        Map<String, JsonNode> volumes = new java.util.TreeMap<>();
        spec.path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
        JsonNode report = spec.path("containers").get(0);
        assertThat(report.path("name").asText()).isEqualTo("report");
        Map<String, JsonNode> mounts = new java.util.TreeMap<>();
        report.path("volumeMounts").forEach(m -> mounts.put(m.path("mountPath").asText(), m));

        // the shared options: the lake of record (the one compaction writes), a purpose, a PDF
        List<String> args = new ArrayList<>();
        report.path("args").forEach(a -> args.add(a.asText()));
        Map<String, String> options = options(args);
        List<String> compactionArgs = new ArrayList<>();
        resource("decision-ledger-compaction")
                .path("spec")
                .path("job")
                .path("args")
                .forEach(a -> compactionArgs.add(a.asText()));
        assertThat(options.get("--lake"))
                .startsWith("s3://")
                .isEqualTo(
                        CompactionOptions.parse(compactionArgs.toArray(new String[0]))
                                .lake()
                                .root());
        assertThat(options.get("--purpose")).isNotBlank();
        assertThat(options).containsKey("--pdf");
        // every option is one of the report command's (the operator guide's table of it)
        String guide = Files.readString(MANIFESTS.resolve("../../docs/operator-guide.md"));
        String reportSection =
                guide.substring(guide.indexOf("## The compliance report (`audit report`)"));
        reportSection = reportSection.substring(0, reportSection.indexOf("\n## ", 5));
        for (String option : options.keySet()) {
            assertThat(reportSection)
                    .as("report option %s documented", option)
                    .contains("`" + option);
        }

        // the token: copied from its Secret by the init container into a memory folder, so that
        // the CLI finds it readable by its owner only; the report container never mounts the
        // Secret itself
        String tokenFile = options.get("--token-file");
        JsonNode tokenMount = mountOf(mounts, tokenFile);
        assertThat(tokenMount.path("readOnly").asBoolean()).isTrue();
        assertThat(
                        volumes.get(tokenMount.path("name").asText())
                                .path("emptyDir")
                                .path("medium")
                                .asText())
                .isEqualTo("Memory");
        JsonNode init = spec.path("initContainers").get(0);
        assertThat(init.path("command").toString())
                .contains("install -m 0400 -o 10001 -g 10001")
                .contains(tokenFile);
        assertThat(volumes.values())
                .filteredOn(v -> v.path("secret").has("secretName"))
                .extracting(v -> v.path("secret").path("secretName").asText())
                .contains("decision-ledger-report-token", "decision-ledger-auth-tokens");
        String tokenSecretVolume =
                volumes.values().stream()
                        .filter(
                                v ->
                                        v.path("secret")
                                                .path("secretName")
                                                .asText()
                                                .equals("decision-ledger-report-token"))
                        .findFirst()
                        .orElseThrow()
                        .path("name")
                        .asText();
        assertThat(mounts.values())
                .extracting(m -> m.path("name").asText())
                .doesNotContain(tokenSecretVolume);
        // the operators' auth configuration from the ConfigMap, its token digests from a Secret
        JsonNode authMount = mountOf(mounts, options.get("--auth-config"));
        assertThat(
                        volumes.get(authMount.path("name").asText())
                                .path("configMap")
                                .path("name")
                                .asText())
                .isEqualTo("decision-ledger-report");
        String tokensLine = config.path("data").path("auth.properties").asText().strip();
        assertThat(tokensLine).startsWith("tokens = ");
        JsonNode tokensMount = mountOf(mounts, tokensLine.substring("tokens = ".length()));
        assertThat(
                        volumes.get(tokensMount.path("name").asText())
                                .path("secret")
                                .path("secretName")
                                .asText())
                .isEqualTo("decision-ledger-auth-tokens");
        // read-only everywhere but the reports volume and /tmp; S3 keys only from a Secret
        assertThat(mounts.values())
                .filteredOn(m -> !m.path("readOnly").asBoolean())
                .extracting(m -> m.path("mountPath").asText())
                .containsExactlyInAnyOrder("/reports", "/tmp");
        assertThat(
                        volumes.get(mounts.get("/reports").path("name").asText())
                                .path("persistentVolumeClaim")
                                .path("claimName")
                                .asText())
                .isEqualTo("decision-ledger-reports");
        report.path("env")
                .forEach(
                        e -> {
                            if (e.path("name").asText().startsWith("AWS_")
                                    && !e.path("name").asText().equals("AWS_REGION")) {
                                assertThat(e.has("value")).as(e.toString()).isFalse();
                            }
                        });
        // one report per listed tenant
        assertThat(config.path("data").path("tenants").asText().strip().split("\\s+"))
                .isNotEmpty()
                .allMatch(t -> t.matches("[a-z0-9_]+"));
    }

    @Test
    void reportScriptRunsEveryTenantOverThePreviousMonthAndFailsIfAnyFailed(
            @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // given the container's script, its tenant list in a file here and a stand-in java that
        // records its arguments and fails for one tenant
        JsonNode report =
                document("CronJob", "decision-ledger-report")
                        .path("spec")
                        .path("jobTemplate")
                        .path("spec")
                        .path("template")
                        .path("spec")
                        .path("containers")
                        .get(0);
        List<String> command = new ArrayList<>();
        report.path("command").forEach(c -> command.add(c.asText()));
        assertThat(command.subList(0, 2)).containsExactly("/bin/sh", "-c");
        Path tenants = dir.resolve("tenants");
        Files.writeString(tenants, "bank_456\ninsurer_789\ncredit_union_12\n");
        String script =
                command.get(2).replace("/etc/decision-ledger/report/tenants", tenants.toString());
        assertThat(script).isNotEqualTo(command.get(2));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path fakeJava = bin.resolve("java");
        Files.writeString(
                fakeJava,
                "#!/bin/sh\n"
                        + "printf '%s\\n' \"$*\" >> "
                        + dir.resolve("calls")
                        + "\n"
                        + "case \"$*\" in *insurer_789*) exit 1;; esac\n");
        assertThat(fakeJava.toFile().setExecutable(true)).isTrue();
        List<String> run = new ArrayList<>(command);
        run.set(2, script);
        report.path("args").forEach(a -> run.add(a.asText()));

        // when it runs
        ProcessBuilder pb = new ProcessBuilder(run).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes());
        int exit = p.waitFor();

        // then every tenant got its report over the previous calendar month, and the failed one
        // made the Job fail after the others ran
        LocalDate first = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);
        String from = first.minusMonths(1).toString();
        String to = first.minusDays(1).toString();
        String month = from.substring(0, 7);
        List<String> calls = Files.readAllLines(dir.resolve("calls"));
        assertThat(calls).hasSize(3);
        for (int i = 0; i < 3; i++) {
            String tenant = List.of("bank_456", "insurer_789", "credit_union_12").get(i);
            assertThat(calls.get(i))
                    .startsWith(
                            "-jar /opt/decision-ledger/decision-ledger-audit-service.jar report --lake s3://")
                    .contains("--pdf")
                    .endsWith(
                            " --tenant "
                                    + tenant
                                    + " --from "
                                    + from
                                    + " --to "
                                    + to
                                    + " --out /reports/"
                                    + tenant
                                    + "/"
                                    + tenant
                                    + "-"
                                    + month
                                    + ".html");
        }
        assertThat(exit).as(output).isEqualTo(1);
        assertThat(output).contains("report failed for: insurer_789");
    }

    /** {@code --name value} pairs and lone flags ({@code --pdf}) of an argument list. */
    private static Map<String, String> options(List<String> args) {
        Map<String, String> options = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String name = args.get(i);
            assertThat(name).as("argument %d", i).startsWith("--");
            boolean flag = i + 1 == args.size() || args.get(i + 1).startsWith("--");
            options.put(name, flag ? "" : args.get(++i));
        }
        return options;
    }

    /** The mount that holds {@code file}. */
    private static JsonNode mountOf(Map<String, JsonNode> mounts, String file) {
        return mounts.entrySet().stream()
                .filter(m -> file.startsWith(m.getKey() + "/"))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElseThrow(() -> new AssertionError(file + " is on no mounted volume"));
    }

    private static JsonNode document(String kind, String name) throws IOException {
        return allDocuments().stream()
                .filter(d -> d.path("kind").asText().equals(kind))
                .filter(d -> d.path("metadata").path("name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    @Test
    void misspelledFieldsAreRejected() throws IOException {
        // given the valid ingest deployment
        JsonNode valid = resource("decision-ledger-ingest");
        assertThat(validate(valid)).isEmpty();

        // when fields are misspelled at four places (job, resources, the pod template, metadata)
        ObjectNode job = valid.deepCopy();
        ObjectNode jobSpec = (ObjectNode) job.path("spec").path("job");
        jobSpec.set("entryclass", jobSpec.remove("entryClass"));
        ObjectNode memory = valid.deepCopy();
        ObjectNode resource = (ObjectNode) memory.path("spec").path("taskManager").path("resource");
        resource.set("memmory", resource.remove("memory"));
        ObjectNode pod = valid.deepCopy();
        ObjectNode container =
                (ObjectNode)
                        pod.path("spec").path("podTemplate").path("spec").path("containers").get(0);
        container.set("volumeMount", container.remove("volumeMounts"));
        ObjectNode labels = valid.deepCopy();
        ObjectNode metadata = (ObjectNode) labels.path("metadata");
        metadata.set("lables", metadata.remove("labels"));

        // then each is rejected, naming the field
        assertThat(validate(job)).anySatisfy(m -> assertThat(m).contains("entryclass"));
        assertThat(validate(memory)).anySatisfy(m -> assertThat(m).contains("memmory"));
        assertThat(validate(pod)).anySatisfy(m -> assertThat(m).contains("volumeMount"));
        assertThat(validate(labels)).anySatisfy(m -> assertThat(m).contains("lables"));
    }

    @Test
    void wrongValuesAreRejected() throws IOException {
        JsonNode valid = resource("decision-ledger-ingest");

        ObjectNode version = valid.deepCopy();
        ((ObjectNode) version.path("spec")).put("flinkVersion", "v9_9");
        ObjectNode upgrade = valid.deepCopy();
        ((ObjectNode) upgrade.path("spec").path("job")).put("upgradeMode", "snapshot");
        ObjectNode parallelism = valid.deepCopy();
        ((ObjectNode) parallelism.path("spec").path("job")).put("parallelism", "four");
        ObjectNode conf = valid.deepCopy();
        ((ObjectNode) conf.path("spec").path("flinkConfiguration"))
                .put("taskmanager.numberOfTaskSlots", 2);

        assertThat(validate(version)).anySatisfy(m -> assertThat(m).contains("flinkVersion"));
        assertThat(validate(upgrade)).anySatisfy(m -> assertThat(m).contains("upgradeMode"));
        assertThat(validate(parallelism)).anySatisfy(m -> assertThat(m).contains("parallelism"));
        // The operator's flinkConfiguration is a map of strings: unquoted numbers are refused.
        assertThat(validate(conf)).anySatisfy(m -> assertThat(m).contains("numberOfTaskSlots"));
    }

    // ----------------------------------------------------------------------------------- schemas

    /**
     * The v1beta1 schema of an operator CRD (the apiextensions.k8s.io/v1 file in the jar), closed
     * against unknown fields and open to the Flink 2.x versions.
     */
    private static JsonSchema strictSchema(String plural, String kind) {
        String resource = "META-INF/fabric8/" + plural + ".flink.apache.org-v1.yml";
        JsonNode crd;
        try (InputStream in =
                KubernetesManifestsTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as("CRD %s on the test classpath", resource).isNotNull();
            crd = YAML.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
        JsonNode schema = null;
        for (JsonNode version : crd.path("spec").path("versions")) {
            if (version.path("name").asText().equals("v1beta1")) {
                schema = version.path("schema").path("openAPIV3Schema").deepCopy();
            }
        }
        assertThat(schema).as("v1beta1 schema in %s", resource).isNotNull();
        addTypeAndObjectMeta((ObjectNode) schema, kind);
        int closed = closeObjects(schema);
        assertThat(closed).as("object schemas closed in %s", resource).isGreaterThan(10);
        JsonNode flinkVersion =
                schema.path("properties").path("spec").path("properties").path("flinkVersion");
        if (flinkVersion.has("enum")) {
            ArrayNode versions = (ArrayNode) flinkVersion.get("enum");
            NEWER_FLINK_VERSIONS.forEach(versions::add);
        }
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema);
    }

    /**
     * The CRD schema describes spec and status only; the API server checks apiVersion, kind and
     * metadata itself. The fields of ObjectMeta that manifests use are added here, so that a typo
     * there (a "lables") fails too.
     */
    private static void addTypeAndObjectMeta(ObjectNode schema, String kind) {
        ObjectNode properties = (ObjectNode) schema.get("properties");
        properties.putObject("apiVersion").put("type", "string").putArray("enum").add(API_VERSION);
        properties.putObject("kind").put("type", "string").putArray("enum").add(kind);
        ObjectNode metadata = properties.putObject("metadata");
        metadata.put("type", "object");
        metadata.putArray("required").add("name");
        ObjectNode meta = metadata.putObject("properties");
        meta.putObject("name").put("type", "string");
        meta.putObject("namespace").put("type", "string");
        for (String map : List.of("labels", "annotations")) {
            ObjectNode m = meta.putObject(map);
            m.put("type", "object");
            m.putObject("additionalProperties").put("type", "string");
        }
    }

    /**
     * Sets {@code additionalProperties: false} on every object schema that lists {@code
     * properties}, unless it keeps unknown fields on purpose ({@code
     * x-kubernetes-preserve-unknown-fields}) or already says what extra fields may be.
     *
     * @return how many schemas were closed
     */
    private static int closeObjects(JsonNode node) {
        if (!node.isObject()) {
            return 0;
        }
        ObjectNode schema = (ObjectNode) node;
        int closed = 0;
        if (schema.has("properties")
                && !schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
                && !schema.has("additionalProperties")) {
            schema.put("additionalProperties", false);
            closed++;
        }
        for (JsonNode property : schema.path("properties")) {
            closed += closeObjects(property);
        }
        for (String key : List.of("items", "additionalProperties", "not")) {
            closed += closeObjects(schema.path(key));
        }
        for (String key : List.of("allOf", "anyOf", "oneOf")) {
            for (JsonNode sub : schema.path(key)) {
                closed += closeObjects(sub);
            }
        }
        return closed;
    }

    /** Validation messages for one Flink resource; empty when it is valid. */
    private static List<String> validate(JsonNode resource) {
        JsonSchema schema = SCHEMAS.get(resource.path("kind").asText());
        assertThat(schema).as("a CRD for kind %s", resource.path("kind")).isNotNull();
        Set<ValidationMessage> messages = schema.validate(resource);
        return messages.stream().map(ValidationMessage::getMessage).sorted().toList();
    }

    // --------------------------------------------------------------------------------- manifests

    private static List<JsonNode> allDocuments() throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(MANIFESTS)) {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
                YAML.readValues(parser, JsonNode.class)
                        .forEachRemaining(
                                doc -> {
                                    if (doc != null && !doc.isMissingNode() && !doc.isNull()) {
                                        docs.add(doc);
                                    }
                                });
            }
        }
        return docs;
    }

    /** Flink resources: top-level documents and those embedded as YAML in ConfigMaps. */
    private static List<JsonNode> flinkResources(List<JsonNode> docs) throws IOException {
        List<JsonNode> resources = new ArrayList<>();
        for (JsonNode doc : docs) {
            String kind = doc.path("kind").asText();
            if (SCHEMAS.containsKey(kind)) {
                resources.add(doc);
            } else if (kind.equals("ConfigMap")) {
                for (JsonNode value : doc.path("data")) {
                    JsonNode embedded = YAML.readTree(value.asText());
                    if (embedded != null && SCHEMAS.containsKey(embedded.path("kind").asText())) {
                        resources.add(embedded);
                    }
                }
            }
        }
        return resources;
    }

    private static JsonNode resource(String name) throws IOException {
        return flinkResources(allDocuments()).stream()
                .filter(r -> r.path("metadata").path("name").asText().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static Map<String, String> flinkConfiguration(JsonNode resource) {
        Map<String, String> conf = new java.util.TreeMap<>();
        resource.path("spec")
                .path("flinkConfiguration")
                .fields()
                .forEachRemaining(e -> conf.put(e.getKey(), e.getValue().asText()));
        return conf;
    }
}
