package io.decisionledger.access;

import static io.decisionledger.testing.TestIdentityProvider.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import io.decisionledger.testing.TestIdentityProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JWTs from the identity provider: a valid token becomes a caller with the role and tenants of its
 * claims; every forgery (another key, an edited payload, wrong issuer or audience, expired, {@code
 * alg: none}, HMAC) is refused naming the failed check; a configuration that would accept weak
 * tokens is refused.
 */
class JwtVerifierTest {

    @TempDir Path dir;

    private final TestIdentityProvider idp = new TestIdentityProvider();
    private Authenticator auth;

    @BeforeEach
    void trustTheProvider() throws Exception {
        auth = Authenticator.load(idp.writeAuthConfig(dir, null), null);
    }

    private Caller authenticate(String token) {
        return auth.authenticate(token, Caller.Channel.HTTP);
    }

    @Test
    void aValidTokenNamesTheUserRoleAndTenants() {
        Caller officer =
                authenticate(
                        idp.sign(
                                claims(
                                                "a.officer@bank",
                                                "compliance_officer",
                                                List.of("bank_1", "bank_2"))
                                        .build()));
        Caller everyTenant = authenticate(idp.sign(claims("o.p", "operator", "*").build()));

        assertThat(officer.user()).isEqualTo("a.officer@bank");
        assertThat(officer.role()).isEqualTo(AuditRole.COMPLIANCE_OFFICER);
        assertThat(officer.tenants().tenants()).containsExactly("bank_1", "bank_2");
        assertThat(officer.tenants().permits("bank_3")).isFalse();
        assertThat(officer.selfAsserted()).isFalse();
        assertThat(officer.channelName()).isEqualTo("HTTP");
        assertThat(everyTenant.tenants().isAll()).isTrue();
        assertThat(everyTenant.role()).isEqualTo(AuditRole.OPERATOR);
    }

    @Test
    void refusesATokenSignedByAnotherKey() {
        String forged =
                idp.signWithAnotherKey(claims("a.officer", "compliance_officer", "*").build());

        assertThatThrownBy(() -> authenticate(forged))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("Invalid signature");
    }

    @Test
    void refusesATokenWhosePayloadWasEdited() {
        String real = idp.sign(claims("o.p", "operator", List.of("bank_1")).build());
        String edited =
                real.split("\\.")[0]
                        + "."
                        + java.util.Base64.getUrlEncoder()
                                .withoutPadding()
                                .encodeToString(
                                        claims("o.p", "compliance_officer", "*")
                                                .build()
                                                .toString()
                                                .getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        + "."
                        + real.split("\\.")[2];

        assertThatThrownBy(() -> authenticate(edited))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("Invalid signature");
    }

    @Test
    void refusesAWrongIssuerOrAudience() {
        String otherIssuer =
                idp.sign(
                        claims("a.officer", "compliance_officer", "*")
                                .issuer("https://evil.example")
                                .build());
        String otherAudience =
                idp.sign(
                        claims("a.officer", "compliance_officer", "*")
                                .audience("another-service")
                                .build());

        assertThatThrownBy(() -> authenticate(otherIssuer))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("iss");
        assertThatThrownBy(() -> authenticate(otherAudience))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("aud");
    }

    @Test
    void refusesAnExpiredTokenBeyondTheClockSkewAndOneWithoutExpiry() {
        Instant now = Instant.now();
        String expired =
                idp.sign(
                        claims("a.officer", "compliance_officer", "*")
                                .expirationTime(Date.from(now.minus(Duration.ofMinutes(5))))
                                .build());
        String withinSkew =
                idp.sign(
                        claims("a.officer", "compliance_officer", "*")
                                .expirationTime(Date.from(now.minus(Duration.ofSeconds(20))))
                                .build());
        String noExpiry =
                idp.sign(
                        claims("a.officer", "compliance_officer", "*")
                                .expirationTime(null)
                                .build());

        assertThatThrownBy(() -> authenticate(expired))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("Expired JWT");
        assertThat(authenticate(withinSkew).user()).isEqualTo("a.officer");
        assertThatThrownBy(() -> authenticate(noExpiry))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("exp");
    }

    @Test
    void refusesUnsignedAndHmacTokens() {
        JWTClaimsSet c = claims("a.officer", "compliance_officer", "*").build();

        assertThatThrownBy(() -> authenticate(TestIdentityProvider.unsigned(c)))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("Unsecured");
        assertThatThrownBy(() -> authenticate(TestIdentityProvider.hmacSigned(c)))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("JWT rejected");
    }

    @Test
    void refusesATokenWithoutTenantsOrWithAnUnknownOrProxyRole() {
        String noTenants = idp.sign(claims("a.officer", "compliance_officer", null).build());
        String emptyTenants =
                idp.sign(claims("a.officer", "compliance_officer", List.of()).build());
        String auditor = idp.sign(claims("a.officer", "auditor", "*").build());
        String proxy = idp.sign(claims("gateway", "sso_proxy", "*").build());

        assertThatThrownBy(() -> authenticate(noTenants))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining(TestIdentityProvider.TENANTS_CLAIM);
        assertThatThrownBy(() -> authenticate(emptyTenants))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("no tenant is granted");
        assertThatThrownBy(() -> authenticate(auditor))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("no known role");
        assertThatThrownBy(() -> authenticate(proxy))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("sso_proxy");
    }

    @Test
    void refusesConfigurationsThatWouldAcceptWeakTokens() throws Exception {
        Path jwks = idp.writeJwks(dir.resolve("keys.json"));

        assertThatThrownBy(() -> settings(jwks, Set.of(JWSAlgorithm.HS256), Duration.ZERO))
                .hasMessageContaining("HS256 is not accepted");
        assertThatThrownBy(
                        () ->
                                settings(
                                        jwks,
                                        JwtVerifier.Settings.algorithms("none"),
                                        Duration.ZERO))
                .hasMessageContaining("is not accepted");
        assertThatThrownBy(() -> settings(jwks, Set.of(JWSAlgorithm.RS256), Duration.ofHours(1)))
                .hasMessageContaining("clock skew");
        Path config = dir.resolve("weak.properties");
        Files.writeString(
                config,
                "jwt.issuer = x\njwt.audience = y\njwt.jwks-url = http://idp.example/jwks\n");
        assertThatThrownBy(() -> Authenticator.load(config, null))
                .hasMessageContaining("must be https");
        // a name that merely starts like a loopback address is not loopback
        Files.writeString(
                config,
                "jwt.issuer = x\njwt.audience = y\njwt.jwks-url = http://127.evil.example/jwks\n");
        assertThatThrownBy(() -> Authenticator.load(config, null))
                .hasMessageContaining("must be https");
        for (String loopback : List.of("127.0.0.1:1", "[::1]:1", "localhost:1")) {
            assertThat(
                            new JwtVerifier.Settings(
                                            "x",
                                            "y",
                                            null,
                                            java.net.URI.create("http://" + loopback + "/jwks"),
                                            Set.of(JWSAlgorithm.RS256),
                                            Duration.ZERO,
                                            "sub",
                                            "r",
                                            "t")
                                    .jwksUrl())
                    .as(loopback)
                    .isNotNull();
        }
    }

    private static JwtVerifier.Settings settings(
            Path jwks, Set<JWSAlgorithm> algorithms, Duration skew) {
        return new JwtVerifier.Settings(
                TestIdentityProvider.ISSUER,
                TestIdentityProvider.AUDIENCE,
                jwks,
                null,
                algorithms,
                skew,
                "sub",
                "r",
                "t");
    }
}
