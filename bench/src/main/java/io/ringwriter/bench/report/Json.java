package io.ringwriter.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader for JMH's result files: objects become {@link Map}s, arrays {@link List}s, numbers
 * {@link Double}s (JMH writes {@code "NaN"} as a string; {@link #number(Object)} reads both).
 */
final class Json
{
    private final String text;
    private int at;

    private Json(final String text)
    {
        this.text = text;
    }

    static Object parse(final String text)
    {
        final Json json = new Json(text);
        final Object value = json.value();
        json.skipSpace();
        if (json.at != text.length())
        {
            throw json.error("trailing characters");
        }
        return value;
    }

    static double number(final Object value)
    {
        if (value instanceof Double)
        {
            return (Double)value;
        }
        if (value instanceof String)
        {
            try
            {
                return Double.parseDouble((String)value);
            }
            catch (final NumberFormatException ex)
            {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    private Object value()
    {
        skipSpace();
        final char c = peek();
        switch (c)
        {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                expect("true");
                return Boolean.TRUE;
            case 'f':
                expect("false");
                return Boolean.FALSE;
            case 'n':
                expect("null");
                return null;
            default:
                return numberValue();
        }
    }

    private Map<String, Object> object()
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        at++;
        skipSpace();
        if (peek() == '}')
        {
            at++;
            return map;
        }
        while (true)
        {
            skipSpace();
            final String key = string();
            skipSpace();
            if (text.charAt(at++) != ':')
            {
                throw error("':' expected");
            }
            map.put(key, value());
            skipSpace();
            final char c = text.charAt(at++);
            if (c == '}')
            {
                return map;
            }
            if (c != ',')
            {
                throw error("',' or '}' expected");
            }
        }
    }

    private List<Object> array()
    {
        final List<Object> list = new ArrayList<>();
        at++;
        skipSpace();
        if (peek() == ']')
        {
            at++;
            return list;
        }
        while (true)
        {
            list.add(value());
            skipSpace();
            final char c = text.charAt(at++);
            if (c == ']')
            {
                return list;
            }
            if (c != ',')
            {
                throw error("',' or ']' expected");
            }
        }
    }

    private String string()
    {
        if (text.charAt(at++) != '"')
        {
            throw error("'\"' expected");
        }
        final StringBuilder sb = new StringBuilder();
        while (true)
        {
            final char c = text.charAt(at++);
            if (c == '"')
            {
                return sb.toString();
            }
            if (c == '\\')
            {
                final char e = text.charAt(at++);
                switch (e)
                {
                    case 'n':
                        sb.append('\n');
                        break;
                    case 't':
                        sb.append('\t');
                        break;
                    case 'r':
                        sb.append('\r');
                        break;
                    case 'b':
                        sb.append('\b');
                        break;
                    case 'f':
                        sb.append('\f');
                        break;
                    case 'u':
                        sb.append((char)Integer.parseInt(text.substring(at, at + 4), 16));
                        at += 4;
                        break;
                    default:
                        sb.append(e);
                        break;
                }
            }
            else
            {
                sb.append(c);
            }
        }
    }

    private Double numberValue()
    {
        final int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0)
        {
            at++;
        }
        if (start == at)
        {
            throw error("value expected");
        }
        return Double.valueOf(text.substring(start, at));
    }

    private void expect(final String word)
    {
        if (!text.startsWith(word, at))
        {
            throw error("'" + word + "' expected");
        }
        at += word.length();
    }

    private char peek()
    {
        if (at >= text.length())
        {
            throw error("unexpected end");
        }
        return text.charAt(at);
    }

    private void skipSpace()
    {
        while (at < text.length() && Character.isWhitespace(text.charAt(at)))
        {
            at++;
        }
    }

    private IllegalArgumentException error(final String what)
    {
        return new IllegalArgumentException("JSON: " + what + " at offset " + at);
    }
}
