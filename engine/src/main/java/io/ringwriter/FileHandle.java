package io.ringwriter;

import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * An open file of one worker, and the writes to it that wait in the current batch. Owned by one worker thread;
 * preallocated and reused.
 */
final class FileHandle
{
    Path key;
    Path target;
    FileChannel channel;
    /**
     * The file descriptor when the file was opened natively ({@link NativeIo}), and {@link #channel} is null; else -1.
     */
    int fd = -1;
    boolean created;

    // LRU list of the worker's open handles, most recent first.
    FileHandle prev;
    FileHandle next;

    // This batch: a chain of message indices, oldest first.
    boolean touched;
    int head = -1;
    int tail = -1;
    int messages;
    // Messages of the chain with no future and no retry behind them, and their bytes: when every message is plain
    // and the writes succeeded, the commit counts them without visiting each.
    int plainMessages;
    long plainBytes;

    // The commit that last wrote (forced) this handle: a handle evicted and reused within one batch can be listed
    // twice among the touched handles, and must still be written once.
    long writeEpoch;
    long forceEpoch;

    // Outcome of the commit of this batch.
    long bytesDone;
    Throwable failure;
    boolean wholeBatchFailed;

    void resetBatch()
    {
        touched = false;
        head = -1;
        tail = -1;
        messages = 0;
        plainMessages = 0;
        plainBytes = 0;
        bytesDone = 0;
        failure = null;
        wholeBatchFailed = false;
    }

    void clear()
    {
        key = null;
        target = null;
        channel = null;
        fd = -1;
        created = false;
        prev = null;
        next = null;
        resetBatch();
    }
}
