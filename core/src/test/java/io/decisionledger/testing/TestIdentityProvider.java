package io.decisionledger.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * A stand-in for the bank's identity provider in tests: an RSA signing key, its public JWKS file,
 * an authentication configuration that trusts it, and signed (or forged) JWTs.
 */
public final class TestIdentityProvider {

    public static final String ISSUER = "https://idp.bank.test";
    public static final String AUDIENCE = "decision-ledger";
    public static final String ROLE_CLAIM = "decision_ledger_role";
    public static final String TENANTS_CLAIM = "decision_ledger_tenants";

    private final RSAKey key;

    public TestIdentityProvider() {
        this.key = newKey("idp-key-1");
    }

    private static RSAKey newKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the public keys as a JWKS file. */
    public Path writeJwks(Path file) throws IOException {
        Files.writeString(file, new JWKSet(key.toPublicJWK()).toString());
        return file;
    }

    /**
     * Writes {@code dir/auth.properties} trusting this provider (keys in {@code dir/idp-jwks.json})
     * and, when {@code tokensFile} is not null, that token file.
     */
    public Path writeAuthConfig(Path dir, Path tokensFile) throws IOException {
        Files.createDirectories(dir);
        writeJwks(dir.resolve("idp-jwks.json"));
        Path config = dir.resolve("auth.properties");
        Files.writeString(
                config,
                (tokensFile == null ? "" : "tokens = " + tokensFile + "\n")
                        + "jwt.issuer = "
                        + ISSUER
                        + "\njwt.audience = "
                        + AUDIENCE
                        + "\njwt.jwks-file = idp-jwks.json\njwt.algorithms = RS256\n"
                        + "jwt.clock-skew = PT60S\njwt.user-claim = sub\n");
        return config;
    }

    /** The claims of a valid token for {@code user} in {@code role}, granted {@code tenants}. */
    public static JWTClaimsSet.Builder claims(String user, String role, Object tenants) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .subject(user)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(10))))
                .claim(ROLE_CLAIM, role)
                .claim(TENANTS_CLAIM, tenants);
    }

    /** A token this provider signed (RS256). */
    public String sign(JWTClaimsSet claims) {
        return sign(key, claims);
    }

    /** A token signed by another key that claims this provider's key id. */
    public String signWithAnotherKey(JWTClaimsSet claims) {
        return sign(newKey(key.getKeyID()), claims);
    }

    /** An unsecured token ({@code alg: none}). */
    public static String unsigned(JWTClaimsSet claims) {
        return new PlainJWT(claims).serialize();
    }

    /** A token signed with HS256 by a shared secret. */
    public static String hmacSigned(JWTClaimsSet claims) {
        try {
            SignedJWT jwt =
                    new SignedJWT(
                            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("idp-key-1").build(),
                            claims);
            jwt.sign(new MACSigner(new byte[32]));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sign(RSAKey with, JWTClaimsSet claims) {
        try {
            SignedJWT jwt =
                    new SignedJWT(
                            new JWSHeader.Builder(JWSAlgorithm.RS256)
                                    .keyID(with.getKeyID())
                                    .build(),
                            claims);
            jwt.sign(new RSASSASigner(with));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
