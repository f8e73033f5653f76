package io.decisionledger.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The traceability matrix: reads docs/requirements.md and the {@link Proves} annotations in the
 * test sources of every module, and checks that every listed requirement has a test, that every
 * annotation names a listed requirement and sits on a test, and that docs/traceability.md is what
 * they give. {@code -Dtraceability.write=true} rewrites docs/traceability.md instead of checking
 * it.
 */
class TraceabilityMatrixTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Pattern ROW =
            Pattern.compile("^\\| `([A-Za-z0-9.-]+)` \\| ([^|]+) \\| ([^|]+) \\|$");
    private static final Pattern PROVES =
            Pattern.compile(
                    "@Proves\\(\\{?([^)]*?)\\}?\\)((?:\\s*@[A-Za-z][^\\n]*)*)\\s*(?:public\\s+)?void\\s+(\\w+)\\(");

    record Requirement(String id, String text, String feature) {}

    record Matrix(
            Map<String, Requirement> requirements,
            Map<String, List<String>> tests,
            List<String> problems) {}

    static Matrix scan(Path root) throws IOException {
        Map<String, Requirement> requirements = new LinkedHashMap<>();
        for (String line : Files.readAllLines(root.resolve("docs/requirements.md"))) {
            Matcher m = ROW.matcher(line.strip());
            if (m.matches()) {
                requirements.put(
                        m.group(1),
                        new Requirement(m.group(1), m.group(2).strip(), m.group(3).strip()));
            }
        }
        Map<String, List<String>> tests = new TreeMap<>();
        requirements.keySet().forEach(id -> tests.put(id, new ArrayList<>()));
        List<String> problems = new ArrayList<>();
        List<Path> sources;
        try (Stream<Path> s = Files.walk(root)) {
            sources =
                    s.filter(p -> p.toString().endsWith(".java"))
                            .filter(
                                    p ->
                                            root.relativize(p)
                                                    .toString()
                                                    .matches("[a-z][a-z-]*/src/test/java/.*"))
                            .sorted()
                            .toList();
        }
        for (Path source : sources) {
            String text = Files.readString(source, StandardCharsets.UTF_8);
            String module = root.relativize(source).getName(0).toString();
            String cls = source.getFileName().toString().replace(".java", "");
            Matcher m = PROVES.matcher(text);
            while (m.find()) {
                String method = m.group(3);
                if (!annotatedAsTest(text, m.start()) && !m.group(2).contains("@Test")) {
                    problems.add(cls + "." + method + " carries @Proves but is not a @Test");
                }
                for (String raw : m.group(1).split(",")) {
                    String id = raw.strip().replace("\"", "");
                    if (id.isEmpty()) {
                        continue;
                    }
                    if (!requirements.containsKey(id)) {
                        problems.add(
                                cls
                                        + "."
                                        + method
                                        + " proves '"
                                        + id
                                        + "', which docs/requirements.md does not list");
                        continue;
                    }
                    tests.get(id).add(module + ": " + cls + "." + method);
                }
            }
        }
        tests.forEach(
                (id, t) -> {
                    if (t.isEmpty()) {
                        problems.add(
                                id
                                        + " is listed in docs/requirements.md but no test proves it (@Proves)");
                    }
                });
        return new Matrix(requirements, tests, problems);
    }

    /** Whether the annotations just above {@code at} (up to the previous member) hold @Test. */
    private static boolean annotatedAsTest(String text, int at) {
        String[] lines = text.substring(0, at).split("\n", -1);
        for (int i = lines.length - 1; i >= 0; i--) {
            String l = lines[i].strip();
            if (l.startsWith("@Test") || l.startsWith("@ParameterizedTest")) {
                return true;
            }
            if (!l.isEmpty() && !l.startsWith("@")) {
                return false;
            }
        }
        return false;
    }

    static String markdown(Matrix m) {
        StringBuilder b = new StringBuilder();
        b.append("# Traceability matrix\n\n")
                .append(
                        "Generated from [requirements.md](requirements.md) and the `@Proves` annotations of the"
                                + " tests by `TraceabilityMatrixTest` (core); do not edit by hand. Regenerate with\n"
                                + "`mvn -B -pl core test -Dtest=TraceabilityMatrixTest -Dtraceability.write=true`."
                                + " The build fails when a requirement has no test or this page is stale.\n\n")
                .append("| requirement | feature | tests |\n|---|---|---|\n");
        for (Requirement r : m.requirements().values()) {
            TreeSet<String> t = new TreeSet<>(m.tests().get(r.id()));
            b.append("| ")
                    .append(r.text())
                    .append(" (`")
                    .append(r.id())
                    .append("`) | ")
                    .append(r.feature())
                    .append(" | ")
                    .append(String.join("<br>", t.stream().map(x -> "`" + x + "`").toList()))
                    .append(" |\n");
        }
        return b.toString();
    }

    @Test
    void everyListedRequirementHasATestAndEveryAnnotationNamesOne() throws IOException {
        Matrix m = scan(ROOT);
        assertThat(m.requirements()).hasSizeGreaterThanOrEqualTo(15);
        assertThat(m.problems()).isEmpty();
    }

    @Test
    void theGeneratedMatrixInDocsIsUpToDate() throws IOException {
        String expected = markdown(scan(ROOT));
        Path doc = ROOT.resolve("docs/traceability.md");
        if (Boolean.getBoolean("traceability.write")) {
            Files.writeString(doc, expected);
        }
        assertThat(Files.readString(doc))
                .as("docs/traceability.md is stale: regenerate it with -Dtraceability.write=true")
                .isEqualTo(expected);
    }

    @Test
    void aRequirementWithoutATestAndAnUnknownIdAreReported(
            @org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Files.createDirectories(tmp.resolve("docs"));
        Files.writeString(
                tmp.resolve("docs/requirements.md"),
                "| id | requirement | feature |\n|---|---|---|\n"
                        + "| `A-1` | first | f1 |\n| `B-2` | second | f2 |\n");
        Path test = Files.createDirectories(tmp.resolve("mod/src/test/java/x"));
        Files.writeString(
                test.resolve("XTest.java"),
                "class XTest {\n    @Test\n    @Proves({\"A-1\", \"C-3\"})\n    void provesA() {}\n"
                        + "    @Proves(\"A-1\")\n    void notATest() {}\n}\n");
        Matrix m = scan(tmp);
        assertThat(m.tests().get("A-1"))
                .containsExactly("mod: XTest.provesA", "mod: XTest.notATest");
        assertThat(m.problems())
                .containsExactlyInAnyOrder(
                        "XTest.provesA proves 'C-3', which docs/requirements.md does not list",
                        "XTest.notATest carries @Proves but is not a @Test",
                        "B-2 is listed in docs/requirements.md but no test proves it (@Proves)");
    }
}
