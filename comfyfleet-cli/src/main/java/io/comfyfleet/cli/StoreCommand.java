package io.comfyfleet.cli;

import io.comfyfleet.core.job.JobStoreException;
import io.comfyfleet.store.StoreCopy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code comfyfleet store copy}: moves a one-machine ComfyFleet's SQLite job store into an empty PostgreSQL database,
 * the step from {@code comfyfleet up} on one machine to several gateways (Kubernetes). See {@link StoreCopy}.
 */
@Command(name = "store", mixinStandardHelpOptions = true,
        description = "The job store: 'store copy' moves the SQLite store of one machine into PostgreSQL.",
        subcommands = StoreCommand.Copy.class)
final class StoreCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "copy", mixinStandardHelpOptions = true,
            description = "Copy the SQLite job store (endpoints, templates, every job, pending webhooks) into an empty"
                    + " PostgreSQL database. Stop comfyfleet up first.")
    static final class Copy implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--from", defaultValue = "data/jobs.db",
                description = "The SQLite file (default: ${DEFAULT-VALUE}, the store of comfyfleet up in this folder)")
        Path from;
        @Option(names = "--to", required = true, description = "The PostgreSQL JDBC URL, e.g. jdbc:postgresql://db:5432/comfyfleet")
        String to;
        @Option(names = "--user", defaultValue = "comfyfleet", description = "The PostgreSQL user (default: ${DEFAULT-VALUE})")
        String user;
        @Option(names = "--password-env", defaultValue = "PGPASSWORD",
                description = "The environment variable holding the password (default: ${DEFAULT-VALUE})")
        String passwordEnv;

        /** The environment; tests replace it. */
        UnaryOperator<String> env = System::getenv;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Map<String, Long> copied;
            try {
                copied = StoreCopy.sqliteToPostgres(from, to, user, env.apply(passwordEnv));
            } catch (JobStoreException e) {
                err.println("comfyfleet store copy: " + e.getMessage());
                err.flush();
                return 1;
            }
            out.println("copied " + from.toAbsolutePath().normalize() + " into " + to + ":");
            out.println("  " + copied.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                    .collect(Collectors.joining(", ")));
            out.println("next: set the gateways' store to it (store: {type: postgres, url: " + to + ", user: " + user
                    + ", password: ${" + passwordEnv + "}}), keep the keys (COMFYFLEET_*_KEY from data/keys.env), and"
                    + " start them; the SQLite file is left as it was");
            out.flush();
            return 0;
        }
    }
}
