package io.ringwriter.bench;

import com.lmax.disruptor.dsl.ProducerType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The Disruptor alone, two producers on its multi-producer ring (see {@link AbstractDisruptorWriter}): beside
 * {@code StreamingBenchmark.twoProducers}, so the report can say whether two producers are slower than one because of
 * the ring itself on this machine. Each producer writes the same bytes per operation as one does.
 */
@State(Scope.Benchmark)
public class DisruptorWriterTwoProducersBenchmark extends AbstractDisruptorWriter
{
    ProducerType producerType()
    {
        return ProducerType.MULTI;
    }

    /**
     * Two producers, each publishing its messages, then waiting until the consumer has written past its last one.
     *
     * @return the last sequence (consumed by JMH).
     */
    @Benchmark
    @Threads(2)
    public long twoProducers()
    {
        return produce();
    }
}
