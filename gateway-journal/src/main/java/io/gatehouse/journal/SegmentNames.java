package io.gatehouse.journal;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * File names in the data directory. Segment ids are unique over the whole journal and only grow, so the
 * id orders a stream's segments and tells stale bytes (of a recycled file) from current ones.
 */
final class SegmentNames {

    static final String META = "journal.meta";
    static final String LOCK = "journal.lock";
    static final String TMP_SUFFIX = ".tmp";

    private static final Pattern STATE = Pattern.compile("state-(\\d{20})\\.seg");
    private static final Pattern EVENT = Pattern.compile("event-(\\d{3})-(\\d{20})\\.seg");
    private static final Pattern EVENTS = Pattern.compile("events-(\\d{20})\\.seg");
    private static final Pattern SPARE = Pattern.compile("spare-(\\d{20})\\.seg");

    /** What a file name says about the file. */
    record Parsed(Kind kind, int partition, long id) {
    }

    /** EVENT: one partition's events (format version 1); EVENTS: every partition's (shared). */
    enum Kind { STATE, EVENT, EVENTS, SPARE }

    private SegmentNames() {
    }

    static String state(long id) {
        return String.format("state-%020d.seg", id);
    }

    static String event(int partition, long id) {
        return String.format("event-%03d-%020d.seg", partition, id);
    }

    static String events(long id) {
        return String.format("events-%020d.seg", id);
    }

    static String spare(long id) {
        return String.format("spare-%020d.seg", id);
    }

    /** The parsed name, or null for a file that is not a segment. */
    static Parsed parse(Path file) {
        String name = file.getFileName().toString();
        Matcher m = STATE.matcher(name);
        if (m.matches()) {
            return new Parsed(Kind.STATE, -1, Long.parseLong(m.group(1)));
        }
        m = EVENT.matcher(name);
        if (m.matches()) {
            return new Parsed(Kind.EVENT, Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
        }
        m = EVENTS.matcher(name);
        if (m.matches()) {
            return new Parsed(Kind.EVENTS, -1, Long.parseLong(m.group(1)));
        }
        m = SPARE.matcher(name);
        if (m.matches()) {
            return new Parsed(Kind.SPARE, -1, Long.parseLong(m.group(1)));
        }
        return null;
    }
}
