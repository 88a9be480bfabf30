package io.gatehouse.amqp.eventhub;

import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.qpid.proton.amqp.DescribedType;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.transport.Source;

/**
 * The start position of an Event Hubs receiver, from its source filter {@code apache.org:selector-filter:string}.
 * The Event Hubs clients write {@code amqp.annotation.%s >%s '%s'}: one of {@code x-opt-offset},
 * {@code x-opt-sequence-number}, {@code x-opt-enqueued-time} (milliseconds since the epoch), with {@code >} or
 * {@code >=} (older clients also {@code =}), the value quoted or not. Offset {@code -1} means the start of the
 * stream and {@code @latest} its end. No filter: from the start.
 */
public final class SelectorFilter {

    public static final Symbol SELECTOR_FILTER = Symbol.valueOf("apache.org:selector-filter:string");
    private static final Pattern EXPRESSION = Pattern.compile(
            "\\s*amqp\\.annotation\\.(x-opt-offset|x-opt-sequence-number|x-opt-enqueued-time|x-opt-enqueuedtimeutc)"
                    + "\\s*(>=|>|=)\\s*'?([^']*)'?\\s*",
            Pattern.CASE_INSENSITIVE);

    private SelectorFilter() {
    }

    public static StartPosition startPosition(Source source) {
        if (!(source instanceof org.apache.qpid.proton.amqp.messaging.Source messaging)) {
            return StartPosition.earliest();
        }
        Map<?, ?> filter = messaging.getFilter();
        if (filter == null) {
            return StartPosition.earliest();
        }
        for (Map.Entry<?, ?> e : filter.entrySet()) {
            Object value = e.getValue();
            if (value instanceof DescribedType described && isSelector(e.getKey(), described)) {
                return parse(String.valueOf(described.getDescribed()));
            }
        }
        return StartPosition.earliest();
    }

    private static boolean isSelector(Object key, DescribedType described) {
        return SELECTOR_FILTER.equals(key) || SELECTOR_FILTER.equals(described.getDescriptor())
                || Long.valueOf(0x0000468C00000004L).equals(toLong(described.getDescriptor()));
    }

    private static Long toLong(Object descriptor) {
        return descriptor instanceof Number n ? n.longValue() : null;
    }

    /** Parses one selector expression; throws {@link GatewayException} (INVALID_ARGUMENT) when it is not one we know. */
    public static StartPosition parse(String expression) {
        Matcher m = EXPRESSION.matcher(expression);
        if (!m.matches()) {
            throw invalid("unsupported selector filter '" + expression + "'");
        }
        String annotation = m.group(1).toLowerCase(Locale.ROOT);
        boolean inclusive = !m.group(2).equals(">");
        String value = m.group(3).trim();
        try {
            switch (annotation) {
                case "x-opt-offset":
                    if (value.equals("-1")) {
                        return StartPosition.earliest();
                    }
                    if (value.equalsIgnoreCase("@latest")) {
                        return StartPosition.latest();
                    }
                    return new StartPosition.FromOffset(Long.parseLong(value), inclusive);
                case "x-opt-sequence-number":
                    return new StartPosition.FromSequenceNumber(Long.parseLong(value), inclusive);
                default:
                    return new StartPosition.FromEnqueuedTime(Instant.ofEpochMilli(Long.parseLong(value)), inclusive);
            }
        } catch (NumberFormatException e) {
            throw invalid("selector filter value '" + value + "' is not a number");
        }
    }

    private static GatewayException invalid(String message) {
        return new GatewayException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
