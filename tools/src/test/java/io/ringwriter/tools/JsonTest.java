package io.ringwriter.tools;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonTest
{
    @Test
    void shouldWriteJsonThatParsesBackToTheSameValues()
    {
        final Map<String, Object> o = Json.object();
        o.put("text", "quote \" backslash \\ tab \t newline \n control \u0001 unicode \u00e9");
        o.put("int", 42);
        o.put("long", 1L << 40);
        o.put("double", 0.25);
        o.put("nan", Double.NaN);
        o.put("yes", true);
        o.put("none", null);
        o.put("list", List.of(1, 2, 3));
        o.put("objects", List.of(Map.of("a", "b")));
        o.put("samples", new long[]{5, 6});
        o.put("empty", List.of());

        for (final String text : new String[]{Json.write(o), Json.writeLine(o)})
        {
            final Map<String, Object> back = JsonParser.object(text);

            assertEquals(o.get("text"), back.get("text"));
            assertEquals(42.0, back.get("int"));
            assertEquals((double)(1L << 40), back.get("long"));
            assertEquals(0.25, back.get("double"));
            assertEquals(null, back.get("nan"));
            assertEquals(true, back.get("yes"));
            assertEquals(List.of(1.0, 2.0, 3.0), back.get("list"));
            assertEquals(List.of(Map.of("a", "b")), back.get("objects"));
            assertEquals(List.of(5.0, 6.0), back.get("samples"));
            assertEquals(List.of(), back.get("empty"));
        }
        assertEquals(1, Json.writeLine(o).lines().count());
    }
}
