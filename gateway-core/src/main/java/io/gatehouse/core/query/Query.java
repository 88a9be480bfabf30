package io.gatehouse.core.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

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

    /** Whether the WHERE clause reads any of these top-level properties of the twin. */
    public boolean readsAny(Set<String> properties) {
        return where != null && reads(where, properties);
    }

    private static boolean reads(Condition condition, Set<String> properties) {
        if (condition instanceof Condition.And and) {
            return reads(and.left(), properties) || reads(and.right(), properties);
        }
        if (condition instanceof Condition.Or or) {
            return reads(or.left(), properties) || reads(or.right(), properties);
        }
        if (condition instanceof Condition.Not not) {
            return reads(not.inner(), properties);
        }
        if (condition instanceof Condition.Compare compare) {
            return reads(compare.left(), properties) || reads(compare.right(), properties);
        }
        if (condition instanceof Condition.In in) {
            return reads(in.operand(), properties);
        }
        if (condition instanceof Condition.IsDefined defined) {
            return reads(defined.path(), properties);
        }
        Condition.StartsWith startsWith = (Condition.StartsWith) condition;
        return reads(startsWith.text(), properties) || reads(startsWith.prefix(), properties);
    }

    private static boolean reads(Condition.Operand operand, Set<String> properties) {
        return operand instanceof Condition.Path path && !path.keys().isEmpty() && properties.contains(path.keys().get(0));
    }
}
