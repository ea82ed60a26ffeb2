package io.ringwriter.bench;

import com.lmax.disruptor.dsl.ProducerType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The Disruptor alone, one producer (see {@link AbstractDisruptorWriter}): beside
 * {@code StreamingBenchmark.oneProducer} (multi-producer ring) and {@code StreamingBenchmark.singleProducer}.
 */
@State(Scope.Benchmark)
public class DisruptorWriterBenchmark extends AbstractDisruptorWriter
{
    /**
     * {@code MULTI}: a compare-and-set per claim, as any ring several threads may publish to needs;
     * {@code SINGLE}: the single-producer sequencer.
     */
    @Param({"MULTI", "SINGLE"})
    public String producerType;

    ProducerType producerType()
    {
        return ProducerType.valueOf(producerType);
    }

    /**
     * One producer: publish every message, then wait until the consumer has written them all.
     *
     * @return the last sequence (consumed by JMH).
     */
    @Benchmark
    @Threads(1)
    public long oneProducer()
    {
        return produce();
    }
}
