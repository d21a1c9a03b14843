package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class MainTest {

    /** The short tree a provider's worker or emulator process builds must take what the whole tree takes. */
    @ParameterizedTest
    @ValueSource(strings = {"worker", "emulator"})
    void aWorkerOrEmulatorProcessBuildsOnlyItsCommandWithTheSameOptions(String subcommand) {
        CommandLine alone = Main.commandLine(new String[] {subcommand});
        CommandLine whole = Main.commandLine();

        assertThat(alone.getSubcommands()).containsOnlyKeys(subcommand);
        assertThat(optionNames(alone.getSubcommands().get(subcommand)))
                .isEqualTo(optionNames(whole.getSubcommands().get(subcommand)));
        assertThat(Main.commandLine(new String[] {"up"}).getSubcommands()).containsKeys("worker", "up", "submit");
    }

    // (the emulator takes unknown options on purpose: they are ComfyUI's, passed through)
    @ParameterizedTest
    @ValueSource(strings = {"worker"})
    void badUsageOfTheShortTreeIsRefusedAsByTheWholeOne(String subcommand) {
        StringWriter err = new StringWriter();
        CommandLine alone = Main.commandLine(new String[] {subcommand});
        alone.setErr(new PrintWriter(err));

        int exit = alone.execute(subcommand, "--no-such-option");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--no-such-option'").contains("comfyfleet " + subcommand);
    }

    private static List<String> optionNames(CommandLine command) {
        return command.getCommandSpec().options().stream().map(OptionSpec::longestName).sorted().toList();
    }
}
