package dev.raftchat.bench;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every raft-bench command line shares, as a picocli mixin ({@code @Mixin CommonOptions common;}): the
 * {@code -h, --help} option, and the command it is mixed into, for usage errors.
 */
public final class CommonOptions {
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean help;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The command line this mixin belongs to: a {@link CommandLine.ParameterException} names it. */
    public CommandLine commandLine() {
        return command.commandLine();
    }
}
