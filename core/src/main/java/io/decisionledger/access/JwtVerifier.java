package io.decisionledger.access;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Verifies JSON Web Tokens issued by the bank's identity provider (OIDC access or ID tokens) with
 * Nimbus JOSE+JWT: the signature against the provider's published keys (a JWKS file, or its URL,
 * fetched and cached), the algorithm against an allow-list of asymmetric algorithms ({@code none}
 * and the HMAC algorithms are never accepted: a verifier holding an HMAC key could mint tokens),
 * the issuer exactly, the audience, and the expiry ({@code exp} required; {@code nbf} honoured),
 * with a bounded clock skew. The caller's user, role and tenant grant come from configured claims
 * ({@link Settings}); a token without a tenants claim grants no tenant and is refused.
 */
public final class JwtVerifier {

    /** The longest clock skew that may be configured. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

    /** Algorithms that may be allowed: RSA, RSA-PSS and ECDSA signatures. */
    static final Set<JWSAlgorithm> ASYMMETRIC =
            Set.of(
                    JWSAlgorithm.RS256,
                    JWSAlgorithm.RS384,
                    JWSAlgorithm.RS512,
                    JWSAlgorithm.PS256,
                    JWSAlgorithm.PS384,
                    JWSAlgorithm.PS512,
                    JWSAlgorithm.ES256,
                    JWSAlgorithm.ES384,
                    JWSAlgorithm.ES512);

    /**
     * What a token must satisfy and where its grants are.
     *
     * @param issuer the exact {@code iss}
     * @param audience a value {@code aud} must contain
     * @param jwksFile the provider's keys as a JWKS file, or null
     * @param jwksUrl where the provider publishes them (https, or http on the loopback), or null
     * @param algorithms the accepted signature algorithms (a subset of RS*, PS*, ES*)
     * @param clockSkew tolerated clock difference for {@code exp}/{@code nbf}, at most {@link
     *     #MAX_CLOCK_SKEW}
     * @param userClaim the claim naming the user (e.g. {@code sub}, {@code preferred_username})
     * @param roleClaim the claim naming the role ({@code compliance_officer} or {@code operator})
     * @param tenantsClaim the claim granting tenants: a list of tenant ids, {@code "*"}, or a
     *     comma/space separated string
     */
    public record Settings(
            String issuer,
            String audience,
            Path jwksFile,
            URI jwksUrl,
            Set<JWSAlgorithm> algorithms,
            Duration clockSkew,
            String userClaim,
            String roleClaim,
            String tenantsClaim) {

        public Settings {
            if (issuer == null || issuer.isBlank() || audience == null || audience.isBlank()) {
                throw new IllegalArgumentException(
                        "JWT verification needs an issuer and an audience");
            }
            if ((jwksFile == null) == (jwksUrl == null)) {
                throw new IllegalArgumentException(
                        "JWT verification needs the provider's keys: a JWKS file or a JWKS URL (one)");
            }
            if (jwksUrl != null
                    && !"https".equals(jwksUrl.getScheme())
                    && !("http".equals(jwksUrl.getScheme()) && isLoopback(jwksUrl.getHost()))) {
                throw new IllegalArgumentException(
                        "the JWKS URL must be https (http only on the loopback, for tests)");
            }
            if (algorithms == null || algorithms.isEmpty()) {
                throw new IllegalArgumentException("JWT verification needs allowed algorithms");
            }
            for (JWSAlgorithm a : algorithms) {
                if (!ASYMMETRIC.contains(a)) {
                    throw new IllegalArgumentException(
                            "JWT algorithm "
                                    + a
                                    + " is not accepted: allow only RS256/384/512, PS256/384/512"
                                    + " or ES256/384/512 (never none or HMAC)");
                }
            }
            if (clockSkew == null
                    || clockSkew.isNegative()
                    || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
                throw new IllegalArgumentException(
                        "the JWT clock skew must be between 0 and " + MAX_CLOCK_SKEW);
            }
            for (String c : new String[] {userClaim, roleClaim, tenantsClaim}) {
                if (c == null || c.isBlank()) {
                    throw new IllegalArgumentException(
                            "the JWT user, role and tenants claims must be named");
                }
            }
            algorithms = Set.copyOf(algorithms);
        }

        /** Parses {@code RS256,ES256}. */
        public static Set<JWSAlgorithm> algorithms(String list) {
            Set<JWSAlgorithm> out = new LinkedHashSet<>();
            for (String a : list.split("[,\\s]+")) {
                if (!a.isEmpty()) {
                    out.add(JWSAlgorithm.parse(a.strip().toUpperCase(Locale.ROOT)));
                }
            }
            return out;
        }

        /**
         * localhost or a loopback address literal (127.x.y.z, ::1); never a name like 127.x.com.
         */
        private static boolean isLoopback(String host) {
            if (host == null) {
                return false;
            }
            if (host.equals("localhost")) {
                return true;
            }
            String literal =
                    host.startsWith("[") && host.endsWith("]")
                            ? host.substring(1, host.length() - 1)
                            : host;
            boolean ipv4 = literal.matches("\\d{1,3}(\\.\\d{1,3}){3}");
            boolean ipv6 = literal.indexOf(':') >= 0 && literal.matches("[0-9A-Fa-f:.]+");
            if (!ipv4 && !ipv6) {
                return false; // a name: no lookup, so no DNS answer can make it "loopback"
            }
            try {
                return java.net.InetAddress.getByName(literal).isLoopbackAddress();
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
    }

    private final Settings settings;
    private final ConfigurableJWTProcessor<SecurityContext> processor;

    public JwtVerifier(Settings settings) throws IOException {
        this.settings = settings;
        JWKSource<SecurityContext> keys;
        if (settings.jwksFile() != null) {
            try {
                keys = new ImmutableJWKSet<>(JWKSet.load(settings.jwksFile().toFile()));
            } catch (ParseException e) {
                throw new IllegalArgumentException(
                        "the JWKS file " + settings.jwksFile() + " is not a JSON Web Key Set");
            }
        } else {
            URL url = settings.jwksUrl().toURL();
            keys = JWKSourceBuilder.<SecurityContext>create(url).retrying(true).build();
        }
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(settings.algorithms(), keys));
        DefaultJWTClaimsVerifier<SecurityContext> claims =
                new DefaultJWTClaimsVerifier<>(
                        settings.audience(),
                        new JWTClaimsSet.Builder().issuer(settings.issuer()).build(),
                        Set.of(
                                "exp",
                                settings.userClaim(),
                                settings.roleClaim(),
                                settings.tenantsClaim()));
        claims.setMaxClockSkew((int) settings.clockSkew().toSeconds());
        p.setJWTClaimsSetVerifier(claims);
        this.processor = p;
    }

    public Settings settings() {
        return settings;
    }

    /** Whether {@code credential} has the shape of a JWS (three base64url parts). */
    public static boolean looksLikeJwt(String credential) {
        return credential != null
                && credential.matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    }

    /**
     * The caller a token proves, on {@code channel}.
     *
     * @throws AuthenticationException naming the check that failed
     */
    public Caller verify(String token, Caller.Channel channel) {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new AuthenticationException("JWT rejected: not a parseable JWT");
        } catch (BadJOSEException e) {
            throw new AuthenticationException("JWT rejected: " + shortMessage(e));
        } catch (JOSEException e) {
            throw new AuthenticationException(
                    "JWT rejected: its signature could not be checked ("
                            + e.getClass().getSimpleName()
                            + ")");
        }
        String user = stringClaim(claims, settings.userClaim());
        AuditRole role;
        try {
            role = AuditRole.parse(stringClaim(claims, settings.roleClaim()));
        } catch (IllegalArgumentException e) {
            throw new AuthenticationException(
                    "JWT rejected: claim " + settings.roleClaim() + " names no known role");
        }
        if (role == AuditRole.SSO_PROXY) {
            throw new AuthenticationException(
                    "JWT rejected: an sso_proxy is identified by its API token, not a JWT");
        }
        TenantScope tenants;
        try {
            tenants = tenants(claims.getClaim(settings.tenantsClaim()));
        } catch (IllegalArgumentException e) {
            throw new AuthenticationException(
                    "JWT rejected: claim " + settings.tenantsClaim() + ": " + e.getMessage());
        }
        try {
            return Caller.authenticated(user, role, channel, tenants);
        } catch (IllegalArgumentException e) {
            throw new AuthenticationException(
                    "JWT rejected: claim " + settings.userClaim() + ": " + e.getMessage());
        }
    }

    private static String stringClaim(JWTClaimsSet claims, String name) {
        Object v = claims.getClaim(name);
        if (!(v instanceof String s) || s.isBlank()) {
            throw new AuthenticationException("JWT rejected: claim " + name + " is not a string");
        }
        return s;
    }

    private static TenantScope tenants(Object claim) {
        if (claim instanceof String s) {
            return TenantScope.parse(s);
        }
        if (claim instanceof List<?> list && !list.isEmpty()) {
            if (list.size() == 1 && "*".equals(list.get(0))) {
                return TenantScope.ALL;
            }
            StringBuilder joined = new StringBuilder();
            for (Object o : list) {
                if (!(o instanceof String t) || t.isBlank()) {
                    throw new IllegalArgumentException("every tenant must be a string");
                }
                joined.append(t).append(',');
            }
            return TenantScope.parse(joined.toString());
        }
        throw new IllegalArgumentException(
                "no tenant is granted: a list of tenant ids, or \"*\" for all");
    }

    /** Nimbus' message, which names the failed check (never the token), kept short. */
    private static String shortMessage(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.length() > 200 ? m.substring(0, 200) + "…" : m;
    }
}
