package io.gatehouse.core.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** A WHERE clause, parsed. Evaluated against a twin's service JSON; anything undefined makes a comparison false. */
sealed interface Condition {

    boolean test(JsonNode twin);

    /** A value in a condition: a property path of the twin or a literal. */
    sealed interface Operand {
        /** The value, or null when the path is not defined. */
        JsonNode value(JsonNode twin);
    }

    record Path(List<String> keys) implements Operand {
        @Override
        public JsonNode value(JsonNode twin) {
            JsonNode node = twin;
            for (String key : keys) {
                node = node == null || !node.isObject() ? null : node.get(key);
            }
            return node;
        }
    }

    record Literal(JsonNode literal) implements Operand {
        @Override
        public JsonNode value(JsonNode twin) {
            return literal;
        }
    }

    record And(Condition left, Condition right) implements Condition {
        @Override
        public boolean test(JsonNode twin) {
            return left.test(twin) && right.test(twin);
        }
    }

    record Or(Condition left, Condition right) implements Condition {
        @Override
        public boolean test(JsonNode twin) {
            return left.test(twin) || right.test(twin);
        }
    }

    record Not(Condition inner) implements Condition {
        @Override
        public boolean test(JsonNode twin) {
            return !inner.test(twin);
        }
    }

    record Compare(Operand left, Comparison op, Operand right) implements Condition {
        @Override
        public boolean test(JsonNode twin) {
            return op.holds(left.value(twin), right.value(twin));
        }
    }

    record In(Operand operand, List<JsonNode> values, boolean negated) implements Condition {
        @Override
        public boolean test(JsonNode twin) {
            JsonNode value = operand.value(twin);
            if (value == null) {
                return false;
            }
            boolean found = values.stream().anyMatch(v -> Comparison.EQ.holds(value, v));
            return found != negated;
        }
    }

    record IsDefined(Path path) implements Condition {
        @Override
        public boolean test(JsonNode twin) {
            return path.value(twin) != null;
        }
    }

    record StartsWith(Operand text, Operand prefix) implements Condition {
        @Override
        public boolean test(JsonNode twin) {
            JsonNode value = text.value(twin);
            JsonNode start = prefix.value(twin);
            return value != null && start != null && value.isTextual() && start.isTextual()
                    && value.textValue().startsWith(start.textValue());
        }
    }
}
