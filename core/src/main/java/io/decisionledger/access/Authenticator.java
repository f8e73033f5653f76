package io.decisionledger.access;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Turns a presented credential into a {@link Caller}: an API token (checked against the token
 * file's digests, {@link ApiTokens}) or a JWT signed by the identity provider ({@link
 * JwtVerifier}). The HTTP API authenticates bearer tokens with it, the CLI and the replay job the
 * content of the caller's token file ({@link CliIdentity}).
 *
 * <p>Its configuration is a properties file ({@link #load}), kept where callers cannot change it
 * (owned by the operators, e.g. {@code /etc/decision-ledger/auth.properties}):
 *
 * <pre>
 * tokens = api-tokens                       # the token digest file (relative to this file)
 * jwt.issuer = https://idp.bank.example     # exact iss
 * jwt.audience = decision-ledger            # a value aud must contain
 * jwt.jwks-file = idp-jwks.json             # or jwt.jwks-url = https://idp.bank.example/jwks
 * jwt.algorithms = RS256,ES256              # allow-list (RS*, PS*, ES* only)
 * jwt.clock-skew = PT60S                    # at most PT5M
 * jwt.user-claim = sub
 * jwt.role-claim = decision_ledger_role
 * jwt.tenants-claim = decision_ledger_tenants
 * </pre>
 */
public final class Authenticator {

    private static final Set<String> KEYS =
            Set.of(
                    "tokens",
                    "jwt.issuer",
                    "jwt.audience",
                    "jwt.jwks-file",
                    "jwt.jwks-url",
                    "jwt.algorithms",
                    "jwt.clock-skew",
                    "jwt.user-claim",
                    "jwt.role-claim",
                    "jwt.tenants-claim");

    private final ApiTokens tokens;
    private final JwtVerifier jwt;
    private final List<Path> sources;

    /** Either may be null, not both. */
    public Authenticator(ApiTokens tokens, JwtVerifier jwt) {
        this(tokens, jwt, List.of());
    }

    private Authenticator(ApiTokens tokens, JwtVerifier jwt, List<Path> sources) {
        this.sources = List.copyOf(sources);
        if (tokens == null && jwt == null) {
            throw new IllegalArgumentException(
                    "no way to authenticate callers: configure API tokens and/or JWT verification");
        }
        this.tokens = tokens;
        this.jwt = jwt;
    }

    /**
     * Reads the configuration file; {@code tokensOverride} (the API's {@code --tokens}), when not
     * null, is the token file instead of the configuration's {@code tokens}. A null {@code config}
     * means tokens only.
     */
    public static Authenticator load(Path config, Path tokensOverride) throws IOException {
        Properties p = new Properties();
        Path base = Path.of(".");
        if (config != null) {
            try (Reader r = Files.newBufferedReader(config, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException(
                        "no authentication configuration at "
                                + config
                                + " (see docs/operator-guide.md, Authentication)");
            }
            for (String k : p.stringPropertyNames()) {
                if (!KEYS.contains(k)) {
                    throw new IllegalArgumentException(
                            "authentication configuration " + config + ": unknown key " + k);
                }
            }
            base = config.toAbsolutePath().getParent();
        }
        Path tokenFile =
                tokensOverride != null
                        ? tokensOverride
                        : p.getProperty("tokens") == null
                                ? null
                                : base.resolve(p.getProperty("tokens").strip());
        ApiTokens tokens = tokenFile == null ? null : ApiTokens.load(tokenFile);
        JwtVerifier jwt = null;
        if (p.getProperty("jwt.issuer") != null) {
            String file = p.getProperty("jwt.jwks-file");
            String url = p.getProperty("jwt.jwks-url");
            Duration skew;
            try {
                skew = Duration.parse(p.getProperty("jwt.clock-skew", "PT60S").strip());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(
                        "jwt.clock-skew must be an ISO-8601 duration, e.g. PT60S");
            }
            jwt =
                    new JwtVerifier(
                            new JwtVerifier.Settings(
                                    p.getProperty("jwt.issuer").strip(),
                                    p.getProperty("jwt.audience", "").strip(),
                                    file == null ? null : base.resolve(file.strip()),
                                    url == null ? null : URI.create(url.strip()),
                                    JwtVerifier.Settings.algorithms(
                                            p.getProperty("jwt.algorithms", "RS256,ES256")),
                                    skew,
                                    p.getProperty("jwt.user-claim", "sub").strip(),
                                    p.getProperty("jwt.role-claim", "decision_ledger_role").strip(),
                                    p.getProperty("jwt.tenants-claim", "decision_ledger_tenants")
                                            .strip()));
        } else if (p.stringPropertyNames().stream().anyMatch(k -> k.startsWith("jwt."))) {
            throw new IllegalArgumentException(
                    "authentication configuration " + config + ": jwt.* settings need jwt.issuer");
        }
        List<Path> sources = new java.util.ArrayList<>();
        if (config != null) {
            sources.add(config);
        }
        if (tokenFile != null) {
            sources.add(tokenFile);
        }
        if (jwt != null && p.getProperty("jwt.jwks-file") != null) {
            sources.add(base.resolve(p.getProperty("jwt.jwks-file").strip()));
        }
        return new Authenticator(tokens, jwt, sources);
    }

    /**
     * The files this authenticator's decisions rest on (the configuration, the token digests, the
     * identity provider's keys): whoever can change them can make any token authenticate.
     */
    public List<Path> sources() {
        return sources;
    }

    /**
     * The caller {@code credential} proves on {@code channel}.
     *
     * @throws AuthenticationException for an unknown token or a JWT that does not verify
     */
    public Caller authenticate(String credential, Caller.Channel channel) {
        if (credential == null || credential.isBlank()) {
            throw new AuthenticationException("no credential presented");
        }
        if (JwtVerifier.looksLikeJwt(credential)) {
            if (jwt == null) {
                throw new AuthenticationException(
                        "a JWT was presented but JWT verification is not configured");
            }
            return jwt.verify(credential, channel);
        }
        if (tokens == null) {
            throw new AuthenticationException("API tokens are not configured; present a JWT");
        }
        return tokens.authenticate(credential, channel)
                .orElseThrow(() -> new AuthenticationException("unknown API token"));
    }
}
