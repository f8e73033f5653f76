package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.access.AccessLog;
import io.decisionledger.access.ApiTokens;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.SmallFileLake;
import io.decisionledger.testing.TestIdentityProvider;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authentication and tenant scoping of the audit HTTP API, with real HTTP requests against a
 * started {@link AuditApi} on a small lake of three tenants: identity headers must come exactly
 * once, forged JWTs are refused, a tenant-scoped officer is refused another tenant before any of
 * its files is read (and the refusal is logged), and a row whose own tenant_id is not its folder's
 * is never returned.
 */
class AuditApiAuthTest {

    @TempDir static Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestIdentityProvider IDP = new TestIdentityProvider();
    private static final String PLANTED = "evt-planted-from-another-tenant";

    private static LakeLayout lake;
    private static AuditApi api;
    private static String base;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static String tenantA;
    private static String tenantB;
    private static String eventA;
    private static String eventB;

    @BeforeAll
    static void startTheApiOnASmallLake() throws Exception {
        lake = LakeLayout.at(dir.resolve("lake").toUri().toString());
        LocalDate day = LocalDate.now().minusDays(1);
        SmallFileLake.write(lake, 90, List.of(day), 30, 0, 7);
        Map<String, List<DecisionRecord>> byTenant = new TreeMap<>();
        for (org.apache.flink.core.fs.Path p : LakeFiles.auditPartitions(lake, null, null, null)) {
            for (FileStatus f : LakeFiles.parquetFiles(p)) {
                LakeFiles.forEachRecord(
                        f,
                        DecisionRecord.class,
                        r ->
                                byTenant.computeIfAbsent(r.getTenantId(), t -> new ArrayList<>())
                                        .add(r));
            }
        }
        assertThat(byTenant).hasSizeGreaterThanOrEqualTo(2);
        List<String> tenants = new ArrayList<>(byTenant.keySet());
        tenantA = tenants.get(0);
        tenantB = tenants.get(1);
        eventA = byTenant.get(tenantA).get(0).getEventId();
        DecisionRecord b = byTenant.get(tenantB).get(0);
        eventB = b.getEventId();
        // a row of tenant B, under a new event id, in a file in tenant A's folder (misfiled or
        // planted): the folder says A, the row says B
        DecisionRecord planted = DecisionRecord.newBuilder(b).setEventId(PLANTED).build();
        LakeFiles.writeParquet(
                new org.apache.flink.core.fs.Path(
                        lake.auditDecisions(),
                        "tenant_id=" + tenantA + "/event_date=" + day + "/part-planted.parquet"),
                List.of(planted));
        // a tenant whose only file is not Parquet: reading it fails, so a refusal that comes back
        // unchanged proves the file was never opened
        Path corrupt =
                dir.resolve(
                        "lake/audit/decisions/tenant_id=bank_corrupt/event_date="
                                + day
                                + "/part-0.parquet");
        Files.createDirectories(corrupt.getParent());
        Files.writeString(corrupt, "not a parquet file");

        Path tokens = dir.resolve("api-tokens");
        Files.writeString(
                tokens,
                ApiTokens.digestHex("officer-a-token")
                        + " a.officer compliance_officer "
                        + tenantA
                        + "\n"
                        + ApiTokens.digestHex("officer-all-token")
                        + " all.officer compliance_officer *\n"
                        + ApiTokens.digestHex("proxy-token")
                        + " gateway sso_proxy *\n");
        Path config = IDP.writeAuthConfig(dir.resolve("etc"), tokens);
        api =
                new AuditApi(
                        AuditApi.Options.parse(
                                new String[] {
                                    "--lake",
                                    lake.root(),
                                    "--auth-config",
                                    config.toString(),
                                    "--port",
                                    "0",
                                    "--trusted-user-header",
                                    "X-Forwarded-User",
                                    "--trusted-role-header",
                                    "X-Forwarded-Role",
                                    "--trusted-tenants-header",
                                    "X-Forwarded-Tenants"
                                }),
                        Clock.systemUTC());
        base = "http://127.0.0.1:" + api.start();
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    // ---- trusted headers ----------------------------------------------------------------------

    @Test
    void refusesATrustedHeaderGivenTwiceOrAsAJoinedList() throws Exception {
        String url = event(tenantA, eventA);
        List<String[]> proxied =
                List.of(
                        new String[] {"X-Forwarded-User", "sso.officer"},
                        new String[] {"X-Forwarded-Role", "compliance_officer"},
                        new String[] {"X-Forwarded-Tenants", tenantA});

        HttpResponse<String> once = get(url, "proxy-token", proxied);
        List<String[]> userTwice = new ArrayList<>(proxied);
        userTwice.add(new String[] {"X-Forwarded-User", "someone.else"});
        HttpResponse<String> twice = get(url, "proxy-token", userTwice);
        List<String[]> roleJoined =
                List.of(
                        new String[] {"X-Forwarded-User", "sso.officer"},
                        new String[] {"X-Forwarded-Role", "operator, compliance_officer"},
                        new String[] {"X-Forwarded-Tenants", tenantA});
        HttpResponse<String> joined = get(url, "proxy-token", roleJoined);
        List<String[]> tenantsTwice = new ArrayList<>(proxied);
        tenantsTwice.add(new String[] {"X-Forwarded-Tenants", "*"});
        HttpResponse<String> tenantsAppended = get(url, "proxy-token", tenantsTwice);
        HttpResponse<String> twoBearers =
                get(
                        url,
                        "officer-a-token",
                        List.<String[]>of(new String[] {"Authorization", "Bearer proxy-token"}));

        assertThat(once.statusCode()).isEqualTo(200);
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(error(twice))
                .startsWith("header X-Forwarded-User must be given exactly once")
                .contains("2 times");
        assertThat(joined.statusCode()).isEqualTo(400);
        assertThat(error(joined)).contains("X-Forwarded-Role", "as a joined list");
        assertThat(tenantsAppended.statusCode()).isEqualTo(400);
        assertThat(error(tenantsAppended)).contains("X-Forwarded-Tenants");
        assertThat(twoBearers.statusCode()).isEqualTo(400);
        assertThat(error(twoBearers)).contains("Authorization");
    }

    @Test
    void theProxyVouchesForTheTenantsItNamesOnly() throws Exception {
        HttpResponse<String> otherTenant =
                get(
                        event(tenantB, eventB),
                        "proxy-token",
                        List.of(
                                new String[] {"X-Forwarded-User", "sso.officer"},
                                new String[] {"X-Forwarded-Role", "compliance_officer"},
                                new String[] {"X-Forwarded-Tenants", tenantA}));

        assertThat(otherTenant.statusCode()).isEqualTo(403);
        assertThat(error(otherTenant)).contains("tenant " + tenantB + " is not granted");
    }

    // ---- JWT ----------------------------------------------------------------------------------

    @Test
    void acceptsTheProvidersJwtAndRefusesForgedOnes() throws Exception {
        String url = event(tenantA, eventA);
        Instant now = Instant.now();
        String valid =
                IDP.sign(
                        TestIdentityProvider.claims("jwt.officer", "compliance_officer", tenantA)
                                .build());
        Map<String, String> forged = new TreeMap<>();
        forged.put(
                "another key",
                IDP.signWithAnotherKey(
                        TestIdentityProvider.claims("jwt.officer", "compliance_officer", "*")
                                .build()));
        forged.put(
                "wrong issuer",
                IDP.sign(
                        TestIdentityProvider.claims("jwt.officer", "compliance_officer", "*")
                                .issuer("https://evil.example")
                                .build()));
        forged.put(
                "wrong audience",
                IDP.sign(
                        TestIdentityProvider.claims("jwt.officer", "compliance_officer", "*")
                                .audience("someone-else")
                                .build()));
        forged.put(
                "expired",
                IDP.sign(
                        TestIdentityProvider.claims("jwt.officer", "compliance_officer", "*")
                                .expirationTime(Date.from(now.minus(Duration.ofMinutes(10))))
                                .build()));
        forged.put(
                "alg none",
                TestIdentityProvider.unsigned(
                        TestIdentityProvider.claims("jwt.officer", "compliance_officer", "*")
                                .build()));
        forged.put(
                "HS256",
                TestIdentityProvider.hmacSigned(
                        TestIdentityProvider.claims("jwt.officer", "compliance_officer", "*")
                                .build()));

        HttpResponse<String> ok = get(url, valid, List.of());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ok.body()).get("records").get(0).get("event_id").asText())
                .isEqualTo(eventA);
        Map<String, String> refusals = new TreeMap<>();
        for (Map.Entry<String, String> f : forged.entrySet()) {
            HttpResponse<String> r = get(url, f.getValue(), List.of());
            assertThat(r.statusCode()).as(f.getKey()).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            refusals.put(f.getKey(), error(r));
        }
        assertThat(refusals.get("another key")).contains("Invalid signature");
        assertThat(refusals.get("wrong issuer")).contains("iss");
        assertThat(refusals.get("wrong audience")).contains("aud");
        assertThat(refusals.get("expired")).contains("Expired JWT");
        assertThat(refusals.get("alg none")).contains("Unsecured");
        assertThat(refusals.get("HS256")).startsWith("JWT rejected");
        assertThat(error(get(url, "no-such-token", List.of()))).isEqualTo("unknown API token");
    }

    // ---- tenant scope -------------------------------------------------------------------------

    @Test
    void refusesAScopedOfficerAnotherTenantBeforeReadingAndLogsIt() throws Exception {
        long logged = accessLog().size();

        HttpResponse<String> own = get(event(tenantA, eventA), "officer-a-token", List.of());
        HttpResponse<String> other = get(event(tenantB, eventB), "officer-a-token", List.of());
        HttpResponse<String> absent =
                get(event("bank_absent", "evt-x"), "officer-a-token", List.of());
        HttpResponse<String> unreadable =
                get(event("bank_corrupt", "evt-x"), "officer-a-token", List.of());
        HttpResponse<String> unreadableForAll =
                get(event("bank_corrupt", "evt-x"), "officer-all-token", List.of());
        HttpResponse<String> everyTenantsLog =
                get(base + "/v1/access-log?purpose=" + enc("review"), "officer-a-token", List.of());
        // the paged history of the HTTP API checks the grant too, before any file is read
        HttpResponse<String> otherHistory = get(history(tenantB), "officer-a-token", List.of());
        HttpResponse<String> unreadableHistory =
                get(history("bank_corrupt"), "officer-a-token", List.of());

        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(error(other))
                .isEqualTo(
                        "tenant "
                                + tenantB
                                + " is not granted to this caller (granted: "
                                + tenantA
                                + "); the refusal is in the access log");
        assertThat(JSON.readTree(other.body()).has("records")).isFalse();
        // an absent tenant and one whose file cannot be read get the same refusal: nothing is read
        assertThat(absent.statusCode()).isEqualTo(403);
        assertThat(unreadable.statusCode()).isEqualTo(403);
        assertThat(error(unreadable))
                .isEqualTo(error(absent).replace("bank_absent", "bank_corrupt"));
        assertThat(unreadableForAll.statusCode()).isEqualTo(500);
        assertThat(everyTenantsLog.statusCode()).isEqualTo(403);
        assertThat(error(everyTenantsLog)).startsWith("reading every tenant needs a grant of all");
        assertThat(otherHistory.statusCode()).isEqualTo(403);
        assertThat(unreadableHistory.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(otherHistory.body()).has("records")).isFalse();

        List<AccessLogEntry> added = accessLog().subList((int) logged, accessLog().size());
        assertThat(added)
                .extracting(
                        e ->
                                e.getActor()
                                        + "|"
                                        + e.getAction()
                                        + "|"
                                        + e.getTenantId()
                                        + "|"
                                        + e.getOutcome())
                .containsExactly(
                        "a.officer|EVENT|" + tenantA + "|RETURNED",
                        "a.officer|EVENT|" + tenantB + "|REFUSED",
                        "a.officer|EVENT|bank_absent|REFUSED",
                        "a.officer|EVENT|bank_corrupt|REFUSED",
                        "a.officer|ACCESS_LOG|null|REFUSED",
                        "a.officer|HISTORY|" + tenantB + "|REFUSED",
                        "a.officer|HISTORY|bank_corrupt|REFUSED");
        assertThat(added.get(1).getRecordIds()).isEmpty();
        assertThat(new AccessLog(lake, Clock.systemUTC()).verify().problems()).isEmpty();
    }

    @Test
    void neverReturnsARowWhoseTenantIdIsNotItsFolders() throws Exception {
        HttpResponse<String> r = get(event(tenantA, PLANTED), "officer-all-token", List.of());
        HttpResponse<String> masked =
                get(event(tenantA, PLANTED) + "&view=masked", "officer-all-token", List.of());

        assertThat(r.statusCode()).isEqualTo(404);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("records")).isEmpty();
        assertThat(body.get("scan").get("rows_of_another_tenant").asLong()).isEqualTo(1);
        // the ops copy was not planted: nothing there, nothing skipped
        assertThat(masked.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(masked.body()).get("scan").get("rows_of_another_tenant").asLong())
                .isZero();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static List<AccessLogEntry> accessLog() throws Exception {
        return new AccessLog(lake, Clock.systemUTC()).entries(null, null, e -> true);
    }

    private static String history(String tenant) {
        return base
                + "/v1/history?tenant="
                + tenant
                + "&user=user_1&from=2020-01-01&to=2030-01-01&purpose="
                + enc("review");
    }

    private static String event(String tenant, String eventId) {
        return base
                + "/v1/event?tenant="
                + tenant
                + "&event_id="
                + enc(eventId)
                + "&purpose="
                + enc("auth test");
    }

    private static HttpResponse<String> get(String url, String token, List<String[]> headers)
            throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (String[] h : headers) {
            b.header(h[0], h[1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error").asText();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
