package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class MainTest {

    /** The short tree a provider's emulator process builds must take what the whole tree takes. */
    @ParameterizedTest
    @ValueSource(strings = {"emulator"})
    void anEmulatorProcessBuildsOnlyItsCommandWithTheSameOptions(String subcommand) {
        CommandLine alone = Main.commandLine(new String[] {subcommand});
        CommandLine whole = Main.commandLine();

        assertThat(alone.getSubcommands()).containsOnlyKeys(subcommand);
        assertThat(optionNames(alone.getSubcommands().get(subcommand)))
                .isEqualTo(optionNames(whole.getSubcommands().get(subcommand)));
        assertThat(Main.commandLine(new String[] {"up"}).getSubcommands()).containsKeys("worker", "up", "submit");
    }

    /** {@code worker} is read without picocli (WorkerCommand); the tree lists it and hands every argument on. */
    @Test
    void theTreeListsTheWorkerAndHandsItsArgumentsOnInOrder() throws Exception {
        CommandLine whole = Main.commandLine();
        assertThat(whole.getSubcommands()).containsKey("worker");
        whole.parseArgs("worker", "--comfyui-port", "9", "--help", "--comfyui-arg", "--cpu");
        WorkerSubcommand worker = (WorkerSubcommand) whole.getSubcommands().get("worker").getCommand();
        assertThat(worker.args).containsExactly("--comfyui-port", "9", "--help", "--comfyui-arg", "--cpu");
        StringWriter usage = new StringWriter();
        whole.usage(new PrintWriter(usage));
        assertThat(usage.toString()).contains("worker").contains("comfyfleet worker --help");
    }

    private static List<String> optionNames(CommandLine command) {
        return command.getCommandSpec().options().stream().map(OptionSpec::longestName).sorted().toList();
    }
}
