package io.gatehouse.core.query;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Comparison operators as IoT Hub's query language applies them: numbers by value, strings by ordinal order,
 * booleans and null by equality only; values of different types (or undefined ones) are never equal or ordered,
 * so every comparison with them is false, {@code !=} included.
 */
enum Comparison {
    EQ, NE, LT, LE, GT, GE;

    static Comparison of(String symbol) {
        return switch (symbol) {
            case "=" -> EQ;
            case "!=", "<>" -> NE;
            case "<" -> LT;
            case "<=" -> LE;
            case ">" -> GT;
            case ">=" -> GE;
            default -> null;
        };
    }

    boolean holds(JsonNode left, JsonNode right) {
        if (left == null || right == null || left.isMissingNode() || right.isMissingNode()) {
            return false;
        }
        Integer order = order(left, right);
        if (order == null) {
            return false;
        }
        return switch (this) {
            case EQ -> order == 0;
            case NE -> order != 0;
            case LT -> order < 0;
            case LE -> order <= 0;
            case GT -> order > 0;
            case GE -> order >= 0;
        };
    }

    /** The order of two values of one comparable type; null when they are not comparable. */
    private Integer order(JsonNode left, JsonNode right) {
        if (left.isNumber() && right.isNumber()) {
            return Double.compare(left.doubleValue(), right.doubleValue());
        }
        if (left.isTextual() && right.isTextual()) {
            return Integer.signum(left.textValue().compareTo(right.textValue()));
        }
        boolean equalityOnly = this == EQ || this == NE;
        if (equalityOnly && left.isBoolean() && right.isBoolean()) {
            return left.booleanValue() == right.booleanValue() ? 0 : 1;
        }
        if (equalityOnly && left.isNull() && right.isNull()) {
            return 0;
        }
        if (equalityOnly && (left.isContainerNode() || right.isContainerNode()) && left.getNodeType() == right.getNodeType()) {
            return left.equals(right) ? 0 : 1;
        }
        return null;
    }
}
