package io.gatehouse.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real file layer with switches that make operations fail the way disks do: a full disk (writes that
 * would grow a file fail after writing what fits, creating spare files fails), I/O errors on write or force,
 * and a hook run before each force (to hold a force in flight while a test queues more work).
 */
final class FaultyFileLayer implements FileLayer {

    static final String NO_SPACE = "No space left on device";

    private final FileLayer real = NioFileLayer.INSTANCE;
    volatile boolean diskFull;
    volatile boolean failWrites;
    /** Fails this many forces from now on (then works again). */
    final AtomicInteger forceFailures = new AtomicInteger();
    volatile Runnable beforeForce;
    final AtomicInteger forces = new AtomicInteger();

    @Override
    public JournalChannel open(Path file, boolean create) throws IOException {
        return new FaultyChannel(real.open(file, create));
    }

    @Override
    public List<Path> list(Path directory) throws IOException {
        return real.list(directory);
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        real.move(from, to);
    }

    @Override
    public void delete(Path file) throws IOException {
        real.delete(file);
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
        real.syncDirectory(directory);
    }

    @Override
    public void createDirectories(Path directory) throws IOException {
        real.createDirectories(directory);
    }

    private final class FaultyChannel implements JournalChannel {
        private final JournalChannel channel;

        FaultyChannel(JournalChannel channel) {
            this.channel = channel;
        }

        @Override
        public void writeFully(ByteBuffer source, long position) throws IOException {
            if (failWrites) {
                throw new IOException("Input/output error");
            }
            if (diskFull) {
                long size = channel.size();
                if (position + source.remaining() > size) {
                    // write what fits in the space the file already has, then run out
                    if (position < size) {
                        ByteBuffer fits = source.duplicate();
                        fits.limit(fits.position() + (int) (size - position));
                        channel.writeFully(fits, position);
                        source.position(fits.position());
                    }
                    throw new IOException(NO_SPACE);
                }
            }
            channel.writeFully(source, position);
        }

        @Override
        public int read(ByteBuffer target, long position) throws IOException {
            return channel.read(target, position);
        }

        @Override
        public void force(boolean metadata) throws IOException {
            Runnable hook = beforeForce;
            if (hook != null) {
                hook.run();
            }
            if (forceFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IOException("Input/output error");
            }
            forces.incrementAndGet();
            channel.force(metadata);
        }

        @Override
        public long size() throws IOException {
            return channel.size();
        }

        @Override
        public void truncate(long size) throws IOException {
            channel.truncate(size);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
