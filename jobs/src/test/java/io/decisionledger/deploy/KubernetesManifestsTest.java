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
                    "CronJob", "batch/v1");

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
        JsonNode cronJob =
                allDocuments().stream()
                        .filter(d -> d.path("kind").asText().equals("CronJob"))
                        .findFirst()
                        .orElseThrow();

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
