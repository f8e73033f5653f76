package io.decisionledger.audit;

import io.decisionledger.options.Exit;
import java.time.Clock;

/**
 * The audit service jar's entry point: {@code java -jar decision-ledger-audit-*.jar <command>}. The
 * query commands ({@code decision-at}, {@code history}, {@code event}, {@code bundle}, {@code
 * verify-bundle}, {@code access-log}) are {@link AuditCommand}'s; {@code serve} starts the HTTP API
 * ({@link AuditApi}). The exit codes are the commands' own; no command or an unknown one is 2.
 */
public final class AuditMain {

    private AuditMain() {}

    public static void main(String[] args) throws Exception {
        Exit.with(
                AuditCommand.commands(System.getenv(), Clock.systemUTC(), Exit.out(), Exit.err())
                        .addMain(
                                "serve",
                                "the read-only HTTP API: --lake URI --tokens FILE [options]",
                                AuditApi::main)
                        .run(args, Exit.out(), Exit.err()));
    }
}
