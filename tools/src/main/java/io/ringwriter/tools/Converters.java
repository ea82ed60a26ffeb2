package io.ringwriter.tools;

import io.ringwriter.Durability;
import io.ringwriter.WaitStrategyType;
import io.ringwriter.WriteMode;
import org.agrona.SystemUtil;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Option value converters. Each throws {@link TypeConversionException} with a message that picocli prefixes with the
 * option's name, so a bad value ends as one line naming the option.
 */
final class Converters
{
    private Converters()
    {
    }

    /**
     * @param text an enumeration value as typed: any case, {@code -} or {@code _}.
     * @param type the enumeration.
     * @param <E>  its type.
     * @return the value.
     */
    static <E extends Enum<E>> E enumValue(final String text, final Class<E> type)
    {
        final String name = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (final E e : type.getEnumConstants())
        {
            if (e.name().equals(name))
            {
                return e;
            }
        }
        throw new TypeConversionException("expected one of " + names(type) + " but was '" + text + "'");
    }

    /**
     * @param type an enumeration.
     * @return its values as typed on the command line: lower case, {@code -} for {@code _}.
     */
    static String names(final Class<? extends Enum<?>> type)
    {
        return Arrays.stream(type.getEnumConstants()).map(Converters::typed).collect(Collectors.joining(", "));
    }

    /**
     * @param e an enumeration value.
     * @return it as typed on the command line.
     */
    static String typed(final Enum<?> e)
    {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Durations: {@code 250ms}, {@code 2s}, {@code 500us}, {@code 100ns}, {@code 0}, or ISO-8601 ({@code PT1M}).
     */
    static final class DurationConverter implements ITypeConverter<Duration>
    {
        @Override
        public Duration convert(final String value)
        {
            final String v = value.trim();
            if ("0".equals(v))
            {
                return Duration.ZERO;
            }
            if (v.regionMatches(true, 0, "PT", 0, 2))
            {
                try
                {
                    return Duration.parse(v.toUpperCase(Locale.ROOT));
                }
                catch (final DateTimeParseException ex)
                {
                    throw new TypeConversionException("not a duration: '" + value + "'");
                }
            }
            final String lower = v.toLowerCase(Locale.ROOT);
            if (!(lower.endsWith("s")))
            {
                throw new TypeConversionException(
                    "a duration needs a unit (ns, us, ms, s), for example 250ms: '" + value + "'");
            }
            try
            {
                final long ns = SystemUtil.parseDuration("duration", lower);
                if (ns < 0)
                {
                    throw new TypeConversionException("a duration must not be negative: '" + value + "'");
                }
                return Duration.ofNanos(ns);
            }
            catch (final NumberFormatException ex)
            {
                throw new TypeConversionException(
                    "not a duration (a number with ns, us, ms or s, for example 250ms): '" + value + "'");
            }
        }
    }

    /**
     * Sizes in bytes with Agrona's suffixes: {@code 4096}, {@code 64k}, {@code 16m}.
     */
    static final class SizeConverter implements ITypeConverter<Integer>
    {
        @Override
        public Integer convert(final String value)
        {
            try
            {
                final long size = SystemUtil.parseSize("size", value.trim());
                if (size > Integer.MAX_VALUE)
                {
                    throw new TypeConversionException("a size must fit an int: '" + value + "'");
                }
                return (int)size;
            }
            catch (final NumberFormatException ex)
            {
                throw new TypeConversionException("not a size (bytes, or with k, m, g): '" + value + "'");
            }
        }
    }

    /**
     * Lists of positive ints: {@code 100,500,1000}; also ranges {@code 100..1000:100}.
     */
    static final class CountListConverter implements ITypeConverter<List<Integer>>
    {
        @Override
        public List<Integer> convert(final String value)
        {
            final List<Integer> counts = new ArrayList<>();
            for (final String part : value.split(","))
            {
                final String p = part.trim();
                try
                {
                    if (p.contains(".."))
                    {
                        final String[] range = p.split("\\.\\.|:");
                        final int from = Integer.parseInt(range[0].trim());
                        final int to = Integer.parseInt(range[1].trim());
                        final int step = range.length > 2 ? Integer.parseInt(range[2].trim()) : 1;
                        if (step < 1 || to < from)
                        {
                            throw new TypeConversionException("bad range '" + p + "': want FROM..TO[:STEP]");
                        }
                        for (int n = from; n <= to; n += step)
                        {
                            counts.add(n);
                        }
                    }
                    else
                    {
                        counts.add(Integer.parseInt(p));
                    }
                }
                catch (final NumberFormatException | ArrayIndexOutOfBoundsException ex)
                {
                    throw new TypeConversionException("not a list of counts (100,200 or 100..1000:100): '" +
                        value + "'");
                }
            }
            for (final Iterator<Integer> it = counts.iterator(); it.hasNext(); )
            {
                if (it.next() < 1)
                {
                    throw new TypeConversionException("counts must be at least 1: '" + value + "'");
                }
            }
            return counts;
        }
    }

    /**
     * {@code append}, {@code truncate}, {@code create-new}, {@code atomic-replace}.
     */
    static final class WriteModeConverter implements ITypeConverter<WriteMode>
    {
        @Override
        public WriteMode convert(final String value)
        {
            return enumValue(value, WriteMode.class);
        }
    }

    /**
     * {@code none}, {@code fsync}.
     */
    static final class DurabilityConverter implements ITypeConverter<Durability>
    {
        @Override
        public Durability convert(final String value)
        {
            return enumValue(value, Durability.class);
        }
    }

    /**
     * {@code blocking}, {@code sleeping}, {@code yielding}, {@code busy-spin}.
     */
    static final class WaitStrategyConverter implements ITypeConverter<WaitStrategyType>
    {
        @Override
        public WaitStrategyType convert(final String value)
        {
            return enumValue(value, WaitStrategyType.class);
        }
    }
}
