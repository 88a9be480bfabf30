package io.gatehouse.journal;

import java.io.IOException;
import java.nio.ByteBuffer;

/** The operations the journal needs on one open file; positional, so reads and the writer never share a cursor. */
public interface JournalChannel extends AutoCloseable {

    /** Writes all of {@code source} at {@code position} (looping over short writes). */
    void writeFully(ByteBuffer source, long position) throws IOException;

    /** Reads into {@code target} from {@code position}; returns the bytes read, -1 at the end of the file. */
    int read(ByteBuffer target, long position) throws IOException;

    /** Forces written data to the device; {@code metadata} also forces the file's size and times. */
    void force(boolean metadata) throws IOException;

    long size() throws IOException;

    void truncate(long size) throws IOException;

    @Override
    void close() throws IOException;
}
