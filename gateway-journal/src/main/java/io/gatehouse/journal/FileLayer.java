package io.gatehouse.journal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Every file operation the journal performs, behind one interface, so tests can make any of them fail
 * (disk full, I/O errors) and check that the journal fails only what it must. {@link NioFileLayer} is
 * the real thing.
 */
public interface FileLayer {

    /** Opens {@code file} for reading and writing, creating it when {@code create} is true. */
    JournalChannel open(Path file, boolean create) throws IOException;

    /** The regular files directly in {@code directory}. */
    List<Path> list(Path directory) throws IOException;

    /** Renames {@code from} to {@code to}, atomically, replacing nothing. */
    void move(Path from, Path to) throws IOException;

    void delete(Path file) throws IOException;

    /** Makes the directory's entries (creations, renames, deletions) durable. */
    void syncDirectory(Path directory) throws IOException;

    void createDirectories(Path directory) throws IOException;
}
