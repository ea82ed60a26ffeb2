package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM started without {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}: the builder is made, and
 * {@code build()} refuses with a message that names the option, instead of an {@link IllegalAccessError} from deep
 * inside Agrona. Run in a child JVM, since this one has the option.
 */
class JvmOptionsTest
{
    @TempDir
    Path dir;

    @Test
    void shouldNameTheMissingAddExportsWhenBuilding() throws Exception
    {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final ProcessBuilder builder = new ProcessBuilder(
            java, "-cp", System.getProperty("java.class.path"), "-Xmx64m", "-XX:TieredStopAtLevel=1",
            Child.class.getName(), dir.toString())
            .redirectErrorStream(true);
        // Options from the environment would reach the child too (and may carry the very export under test).
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        final Process process = builder.start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.startsWith("REFUSED java.lang.IllegalStateException: "), output);
        assertTrue(output.contains("--add-exports java.base/jdk.internal.misc=ALL-UNNAMED"), output);
        try (var files = Files.list(dir))
        {
            assertEquals(0, files.count(), "nothing written");
        }
    }

    /**
     * The child: makes a builder, tries to build and write, and prints what happened.
     */
    static final class Child
    {
        private Child()
        {
        }

        /**
         * @param args the directory to write into.
         * @throws IOException never: the write is not reached.
         */
        public static void main(final String[] args) throws IOException
        {
            final WriteEngine.Builder builder = WriteEngine.builder().root(Path.of(args[0]));
            try (WriteEngine engine = builder.build())
            {
                engine.write(Path.of("never.log"), new byte[] {1});
                System.out.println("BUILT");
            }
            catch (final IllegalStateException ex)
            {
                System.out.println("REFUSED " + ex);
            }
        }
    }
}
