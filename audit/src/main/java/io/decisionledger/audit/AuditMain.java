package io.decisionledger.audit;

import java.util.Arrays;

/**
 * The audit service jar's entry point: {@code java -jar decision-ledger-audit-*.jar <command>}. The
 * query commands ({@code decision-at}, {@code history}, {@code event}, {@code bundle}, {@code
 * verify-bundle}, {@code access-log}) are {@link AuditCommand}'s; {@code serve} starts the HTTP API
 * ({@link AuditApi}). The exit codes are the commands' own.
 */
public final class AuditMain {

    private AuditMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("serve")) {
            AuditApi.main(Arrays.copyOfRange(args, 1, args.length));
        } else {
            AuditCommand.main(args);
        }
    }
}
