package io.gatehouse.core.store;

/**
 * What a state entry holds. The code is written to disk: never reuse or renumber one.
 */
public enum RecordKind {
    DEVICE(1),
    ACCESS_POLICY(2),
    C2D_MESSAGE(3),
    C2D_DELIVERY_COUNT(4),
    FEEDBACK_MESSAGE(5),
    FEEDBACK_DELIVERY_COUNT(6),
    FEEDBACK_RECORD(7),
    CHECKPOINT(8),
    SESSION(9),
    /** A device twin (tags, desired and reported properties with their versions); owner = device id. */
    TWIN(10),
    /** A module identity; owner = its device id. */
    MODULE(11);

    private static final RecordKind[] BY_CODE = new RecordKind[16];

    static {
        for (RecordKind kind : values()) {
            BY_CODE[kind.code] = kind;
        }
    }

    private final int code;

    RecordKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static RecordKind fromCode(int code) {
        RecordKind kind = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        if (kind == null) {
            throw new IllegalArgumentException("unknown record kind code " + code);
        }
        return kind;
    }
}
