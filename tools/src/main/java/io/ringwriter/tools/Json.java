package io.ringwriter.tools;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON writer for the commands' machine output: maps (in insertion order), lists, strings, numbers, booleans
 * and null. Non-finite doubles are written as null, as JSON has no NaN.
 */
final class Json
{
    private Json()
    {
    }

    /**
     * @return an insertion-ordered map to fill with fields.
     */
    static Map<String, Object> object()
    {
        return new LinkedHashMap<>();
    }

    /**
     * @param value a map, list, string, number, boolean or null.
     * @return its JSON text, indented by two spaces.
     */
    static String write(final Object value)
    {
        final StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    /**
     * @param value a map, list, string, number, boolean or null.
     * @return its JSON text on one line (for one object per line).
     */
    static String writeLine(final Object value)
    {
        final StringBuilder sb = new StringBuilder();
        write(sb, value, -1);
        return sb.toString();
    }

    private static void write(final StringBuilder sb, final Object value, final int indent)
    {
        if (value == null)
        {
            sb.append("null");
        }
        else if (value instanceof String)
        {
            string(sb, (String)value);
        }
        else if (value instanceof Double || value instanceof Float)
        {
            final double d = ((Number)value).doubleValue();
            if (Double.isFinite(d))
            {
                sb.append(d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long)d) : Double.toString(d));
            }
            else
            {
                sb.append("null");
            }
        }
        else if (value instanceof Number || value instanceof Boolean)
        {
            sb.append(value);
        }
        else if (value instanceof Map)
        {
            final Map<?, ?> map = (Map<?, ?>)value;
            if (map.isEmpty())
            {
                sb.append("{}");
                return;
            }
            final boolean line = indent < 0;
            sb.append(line ? "{" : "{\n");
            for (final Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator(); it.hasNext(); )
            {
                final Map.Entry<?, ?> e = it.next();
                indent(sb, indent + 1);
                string(sb, String.valueOf(e.getKey()));
                sb.append(line ? ":" : ": ");
                write(sb, e.getValue(), line ? indent : indent + 1);
                sb.append(it.hasNext() ? (line ? "," : ",\n") : (line ? "" : "\n"));
            }
            indent(sb, indent);
            sb.append('}');
        }
        else if (value instanceof List)
        {
            final List<?> list = (List<?>)value;
            if (list.isEmpty())
            {
                sb.append("[]");
                return;
            }
            final boolean flat = indent < 0 || list.stream().allMatch((v) -> v instanceof Number);
            sb.append(flat ? "[" : "[\n");
            for (int i = 0; i < list.size(); i++)
            {
                if (!flat)
                {
                    indent(sb, indent + 1);
                }
                write(sb, list.get(i), indent < 0 ? indent : indent + 1);
                if (i < list.size() - 1)
                {
                    sb.append(indent < 0 ? "," : flat ? ", " : ",\n");
                }
            }
            if (!flat)
            {
                sb.append('\n');
                indent(sb, indent);
            }
            sb.append(']');
        }
        else if (value instanceof long[])
        {
            final long[] array = (long[])value;
            sb.append('[');
            for (int i = 0; i < array.length; i++)
            {
                sb.append(i == 0 ? "" : ", ").append(array[i]);
            }
            sb.append(']');
        }
        else
        {
            string(sb, value.toString());
        }
    }

    private static void indent(final StringBuilder sb, final int indent)
    {
        for (int i = 0; i < indent; i++)
        {
            sb.append("  ");
        }
    }

    private static void string(final StringBuilder sb, final String s)
    {
        sb.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        sb.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
