package io.ringwriter.tools;

import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Runs the ringwriter command in this JVM with captured stdin, stdout and stderr.
 */
final class CommandRunner
{
    /**
     * What a run left behind.
     *
     * @param exitCode the command's exit code.
     * @param out      everything printed on stdout.
     * @param err      everything printed on stderr.
     */
    record Result(int exitCode, String out, String err)
    {
        @Override
        public String toString()
        {
            return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private CommandRunner()
    {
    }

    static Result run(final String... args)
    {
        return run(new byte[0], (cmd) ->
        {
        }, args);
    }

    static Result runWithStdin(final byte[] stdin, final String... args)
    {
        return run(stdin, (cmd) ->
        {
        }, args);
    }

    static Result run(final byte[] stdin, final Consumer<CommandLine> setUp, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cmd = RingwriterCommand.commandLine(
            new ByteArrayInputStream(stdin), new PrintWriter(out, true), new PrintWriter(err, true));
        setUp.accept(cmd);
        final int exitCode = cmd.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
