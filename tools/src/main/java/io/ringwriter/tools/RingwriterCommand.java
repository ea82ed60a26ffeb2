package io.ringwriter.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * The {@code ringwriter} command: {@code bench}, {@code write}, {@code stat} and {@code profile}.
 * <p>
 * Exit codes, the same for every subcommand: 0 success; 1 the work failed (a write failed, a file could not be read,
 * a benchmark did not verify); 2 the arguments are wrong (one line on stderr names the argument).
 * <p>
 * Not thread safe: one instance serves one invocation.
 */
@Command(
    name = "ringwriter",
    mixinStandardHelpOptions = true,
    versionProvider = RingwriterCommand.Version.class,
    description = "Writes messages to many files fast, measures it, and watches a running engine.",
    subcommands = {
        BenchCommand.class,
        WriteCommand.class,
        StatCommand.class,
        ProfileCommand.class,
        CommandLine.HelpCommand.class
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  ringwriter bench            the Go package's suite and a plain-Java baseline",
        "  ringwriter bench --quick    the same, smaller, in under 30 s",
        "  ringwriter write --to a.log b.log --message 'hello'",
        "  printf 'a.log\\thello\\n' | ringwriter write",
        "  ringwriter stat /tmp/ringwriter.counters",
        "  ringwriter profile --case many-files-1000 --mode cpu",
        "",
        "Exit codes: 0 success, 1 the work failed, 2 bad arguments."
    })
public final class RingwriterCommand implements Callable<Integer>
{
    /**
     * Exit code when the work failed.
     */
    public static final int EXIT_FAILURE = 1;
    /**
     * Exit code for wrong arguments.
     */
    public static final int EXIT_USAGE = 2;

    private final InputStream in;

    @Spec
    CommandSpec spec;

    /**
     * A command that reads {@link System#in}.
     */
    public RingwriterCommand()
    {
        this(System.in);
    }

    /**
     * @param in what {@code write} reads records from when no {@code --to} is given.
     */
    public RingwriterCommand(final InputStream in)
    {
        this.in = in;
    }

    /**
     * @return the standard input of this invocation.
     */
    InputStream in()
    {
        return in;
    }

    /**
     * Without a subcommand there is nothing to do: an argument error.
     *
     * @return never.
     */
    @Override
    public Integer call()
    {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "missing subcommand: one of bench, write, stat, profile");
    }

    /**
     * A command line with ringwriter's error handling: wrong arguments print one line and exit 2; a failure of the
     * work prints one line (and the stack trace when {@code RINGWRITER_DEBUG} is set) and exits 1.
     *
     * @param in  standard input for {@code write}.
     * @param out standard output.
     * @param err standard error.
     * @return the command line, ready for {@link CommandLine#execute(String...)}.
     */
    public static CommandLine commandLine(final InputStream in, final PrintWriter out, final PrintWriter err)
    {
        final CommandLine cmd = new CommandLine(new RingwriterCommand(in));
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler(RingwriterCommand::onParameterException);
        cmd.setExecutionExceptionHandler(RingwriterCommand::onExecutionException);
        return cmd;
    }

    /**
     * Run the command and exit the JVM with its exit code.
     *
     * @param args command line arguments.
     */
    public static void main(final String[] args)
    {
        // The chart is drawn off screen: never reach for a display.
        System.setProperty("java.awt.headless", "true");
        final PrintWriter out = new PrintWriter(System.out, true);
        final PrintWriter err = new PrintWriter(System.err, true);
        final int exitCode = commandLine(System.in, out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(exitCode);
    }

    private static int onParameterException(final CommandLine.ParameterException ex, final String[] args)
    {
        final CommandLine cmd = ex.getCommandLine();
        final String name = cmd.getCommandSpec().qualifiedName();
        final PrintWriter err = cmd.getErr();
        err.println(name + ": " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
        err.flush();
        return EXIT_USAGE;
    }

    private static int onExecutionException(
        final Exception ex, final CommandLine cmd, final CommandLine.ParseResult parseResult)
    {
        final PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": error: " + describe(ex));
        if (System.getenv("RINGWRITER_DEBUG") != null)
        {
            ex.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILURE;
    }

    /**
     * @param ex a failure.
     * @return its message on one line, with the causes that add something.
     */
    static String describe(final Throwable ex)
    {
        final StringBuilder sb = new StringBuilder();
        Throwable t = ex;
        int depth = 0;
        while (t != null && depth < 4)
        {
            final String text = t instanceof ToolException || t.getMessage() == null ? t.getMessage() : t.toString();
            if (text != null && sb.indexOf(text) < 0)
            {
                if (sb.length() > 0)
                {
                    sb.append(": ");
                }
                sb.append(text);
            }
            t = t.getCause();
            depth++;
        }
        return oneLine(sb.length() == 0 ? ex.getClass().getName() : sb.toString());
    }

    private static String oneLine(final String text)
    {
        return text == null ? "" : text.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    /**
     * The version printed by {@code --version}: the jar's implementation version.
     */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = RingwriterCommand.class.getPackage().getImplementationVersion();
            return new String[]{
                "ringwriter " + (version == null ? "(development build)" : version),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
            };
        }
    }
}
