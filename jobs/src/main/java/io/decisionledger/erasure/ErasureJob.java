package io.decisionledger.erasure;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The erasure job (GDPR Art. 17): executes one {@link io.decisionledger.rights.ErasurePlan} (the
 * records of one data subject in one tenant that the request's evaluation found free of every legal
 * obligation and hold). It erases the personal data of those records wherever the lake holds them
 * (audit/, ops/, quarantine/, the landing root and the archive) with the crash-safe partition
 * rewrite, so that VerifyJob still finds every chain intact, and writes the {@link
 * io.decisionledger.rights.ErasureReceipt} that proves it.
 *
 * <p>{@code main} parses the options; the {@link ErasureRunner} plans on the client, runs the
 * {@link ErasurePipeline} (one partition folder per record, searched and rewritten in parallel) and
 * writes the receipt, printing its path and SHA-256. Exit code 0 when done (or already done: the
 * receipt exists), 1 when the job failed (run it again), 2 for bad options.
 */
public final class ErasureJob {

    private ErasureJob() {}

    public static void main(String[] args) throws Exception {
        ErasureOptions options = ErasureOptions.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(options.jobParameters()));
        ErasureRunner.Report report = new ErasureRunner(options).run(env, System.out);
        System.out.println(report.summary());
        System.out.println("receipt: " + report.receiptPath());
        System.out.println("receipt sha256: " + report.receiptSha256());
    }
}
