package io.ringwriter.tools;

/**
 * A failure of the work a command was asked to do (not of its arguments): printed as one line, exit code 1.
 */
final class ToolException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    ToolException(final String message)
    {
        super(message);
    }

    ToolException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
