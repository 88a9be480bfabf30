package io.gatehouse.core.query;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A parsed registry query: {@code SELECT * FROM devices [WHERE ...]} selects twins;
 * {@code SELECT COUNT() [AS name] FROM devices [WHERE ...]} counts them.
 */
public final class Query {

    private final String countAlias;
    private final Condition where;

    Query(String countAlias, Condition where) {
        this.countAlias = countAlias;
        this.where = where;
    }

    /** Parses IoT Hub's query language (the part Gatehouse supports); a {@link QueryException} says what is wrong. */
    public static Query parse(String text) {
        return QueryParser.parse(text);
    }

    public boolean isCount() {
        return countAlias != null;
    }

    /** The name of the count in the result ({@code $1} without {@code AS}, as IoT Hub). */
    public String countAlias() {
        return countAlias;
    }

    /** True when the twin (its service JSON) satisfies the WHERE clause, or there is none. */
    public boolean matches(JsonNode twin) {
        return where == null || where.test(twin);
    }
}
