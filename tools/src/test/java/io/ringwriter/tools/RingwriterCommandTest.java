package io.ringwriter.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RingwriterCommandTest
{
    @Test
    void shouldListEverySubcommandInTheTopHelp()
    {
        final CommandRunner.Result result = CommandRunner.run("--help");

        assertEquals(0, result.exitCode(), result::toString);
        for (final String sub : new String[]{"bench", "write", "stat", "profile"})
        {
            assertTrue(result.out().contains("  " + sub + " "), () -> sub + " missing in:\n" + result);
        }
        assertTrue(result.out().contains("Examples:"), result::toString);
        assertEquals("", result.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bench", "write", "stat", "profile"})
    void shouldPrintHelpWithExamplesForEverySubcommand(final String sub)
    {
        final CommandRunner.Result result = CommandRunner.run(sub, "--help");

        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.out().startsWith("Usage: ringwriter " + sub), result::toString);
        assertTrue(result.out().contains("Examples:"), result::toString);
        assertTrue(result.out().contains("  ringwriter " + sub), result::toString);
        assertTrue(result.out().contains("Exit codes:"), result::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "bench", "write", "stat", "profile"})
    void shouldPrintEveryExampleOnOneLineOfEightyColumns(final String sub)
    {
        final CommandRunner.Result result = sub.isEmpty() ? CommandRunner.run("--help") :
            CommandRunner.run(sub, "--help");

        final String examples = result.out().substring(result.out().indexOf("Examples:") + "Examples:".length());
        for (final String line : examples.split("\n"))
        {
            assertTrue(line.isBlank() || line.startsWith("  ") || line.startsWith("Exit codes:"),
                () -> "an example wrapped: '" + line + "' in\n" + result.out());
        }
    }

    @Test
    void shouldExitTwoWithoutASubcommand()
    {
        final CommandRunner.Result result = CommandRunner.run();

        assertEquals(2, result.exitCode(), result::toString);
        assertEquals(1, result.err().lines().count(), result::toString);
        assertTrue(result.err().contains("missing subcommand"), result::toString);
    }

    @Test
    void shouldExitTwoNamingAnUnknownOption()
    {
        final CommandRunner.Result result = CommandRunner.run("bench", "--frobnicate");

        assertEquals(2, result.exitCode(), result::toString);
        assertEquals(1, result.err().lines().count(), result::toString);
        assertTrue(result.err().startsWith("ringwriter bench: "), result::toString);
        assertTrue(result.err().contains("--frobnicate"), result::toString);
        assertEquals("", result.out());
    }

    @Test
    void shouldExitTwoNamingAnUnknownSubcommand()
    {
        final CommandRunner.Result result = CommandRunner.run("benchmark");

        assertEquals(2, result.exitCode(), result::toString);
        assertTrue(result.err().contains("benchmark"), result::toString);
    }

    @Test
    void shouldPrintTheVersion()
    {
        final CommandRunner.Result result = CommandRunner.run("--version");

        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.out().startsWith("ringwriter "), result::toString);
    }

    @Test
    void shouldDescribeAFailureWithItsCausesOnOneLine()
    {
        final Exception ex = new IllegalStateException("outer", new java.io.IOException("disk\nfull"));

        assertEquals("java.lang.IllegalStateException: outer: java.io.IOException: disk full",
            RingwriterCommand.describe(ex));
    }
}
