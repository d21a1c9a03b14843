package io.comfyfleet.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code worker} as the picocli tree sees it: listed in {@code comfyfleet --help}, and run when the whole tree is
 * executed (a program's own call, a test). Every argument, {@code --help} included, goes on to {@link WorkerCommand},
 * which reads them; {@link Main#main} sends {@code comfyfleet worker ...} there directly.
 */
@Command(name = "worker", description = WorkerCommand.SUMMARY + " Its options: comfyfleet worker --help.")
final class WorkerSubcommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        return WorkerCommand.main(args.toArray(String[]::new), System.getenv(), System.out, System.err);
    }
}
