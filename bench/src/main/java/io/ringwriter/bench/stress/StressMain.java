package io.ringwriter.bench.stress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of {@code stress.jar}: runs jcstress ({@code org.openjdk.jcstress.Main}) over the tests in this jar,
 * adding {@code -jvmArgsPrepend --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED} for the forked test JVMs
 * (the engine's Agrona needs it) unless the caller passes its own {@code -jvmArgsPrepend}.
 * <p>
 * {@code -h} prints a short usage here: jcstress 0.16's own help printer needs jopt-simple 4.6, while the shared
 * jar carries JMH's 5.0.4 (the parser itself works with either).
 */
public final class StressMain
{
    private static final String EXPORTS = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

    private StressMain()
    {
    }

    /**
     * @param args jcstress options, e.g. {@code -m quick}, {@code -t TrackerStress}, {@code -time 50 -iters 1}.
     * @throws Exception as jcstress throws.
     */
    public static void main(final String[] args) throws Exception
    {
        final List<String> list = new ArrayList<>(Arrays.asList(args));
        if (list.contains("-h") || list.contains("--help"))
        {
            System.out.println(String.join("\n",
                "java -jar stress.jar [jcstress options]",
                "  -m sanity|quick|default|tough|stress   run mode (default: default)",
                "  -t REGEX                               tests to run (e.g. TrackerStress, CloseStress)",
                "  -time MS -iters N                      time per iteration and iterations",
                "  -strideCount N -strideSize N          strides (small for the engine tests)",
                "  -l                                     list the tests",
                "  -r DIR                                 where jcstress writes its HTML report",
                "The forked JVMs get " + EXPORTS + " unless -jvmArgsPrepend is given."));
            return;
        }
        if (!list.contains("-jvmArgsPrepend"))
        {
            list.add("-jvmArgsPrepend");
            list.add(EXPORTS);
        }
        org.openjdk.jcstress.Main.main(list.toArray(new String[0]));
    }
}
