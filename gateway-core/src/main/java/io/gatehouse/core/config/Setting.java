package io.gatehouse.core.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One validated hub setting: its property name, its allowed range and its default. Parsing refuses a
 * malformed or out-of-range value with an error that names the property and the range.
 */
public abstract sealed class Setting<T> {

    private final String property;

    private Setting(String property) {
        this.property = property;
    }

    public String property() {
        return property;
    }

    public abstract T defaultValue();

    /** A human-readable description of the allowed values, e.g. "1 … 100". */
    public abstract String range();

    public abstract T parse(String text);

    public abstract T check(T value);

    /** The value from {@code properties}, or the default when absent. */
    public T from(Map<String, String> properties) {
        String text = properties.get(property);
        return text == null ? defaultValue() : parse(text.trim());
    }

    InvalidSettingException invalid(String text) {
        return new InvalidSettingException(property, "'" + text + "' is not allowed; allowed: " + range());
    }

    public static DurationSetting duration(String property, Duration min, Duration max, Duration def) {
        return new DurationSetting(property, min, max, def);
    }

    public static IntSetting integer(String property, int min, int max, int def) {
        return new IntSetting(property, min, max, def);
    }

    public static BooleanSetting bool(String property, boolean def) {
        return new BooleanSetting(property, def);
    }

    /** A string that must match {@code pattern}; {@code allowed} describes it for error messages. */
    public static TextSetting text(String property, String def, String pattern, String allowed) {
        return new TextSetting(property, def, Pattern.compile(pattern), allowed);
    }

    /** {@code true} or {@code false}. */
    public static final class BooleanSetting extends Setting<Boolean> {
        private final boolean def;

        private BooleanSetting(String property, boolean def) {
            super(property);
            this.def = def;
        }

        @Override
        public Boolean defaultValue() {
            return def;
        }

        @Override
        public String range() {
            return "true or false";
        }

        @Override
        public Boolean parse(String text) {
            if (text.equalsIgnoreCase("true")) {
                return true;
            }
            if (text.equalsIgnoreCase("false")) {
                return false;
            }
            throw invalid(text);
        }

        @Override
        public Boolean check(Boolean value) {
            return value;
        }
    }

    /** A string matching a pattern (null default means "not set"). */
    public static final class TextSetting extends Setting<String> {
        private final String def;
        private final Pattern pattern;
        private final String allowed;

        private TextSetting(String property, String def, Pattern pattern, String allowed) {
            super(property);
            this.def = def;
            this.pattern = pattern;
            this.allowed = allowed;
        }

        @Override
        public String defaultValue() {
            return def;
        }

        @Override
        public String range() {
            return allowed;
        }

        @Override
        public String parse(String text) {
            return check(text);
        }

        @Override
        public String check(String value) {
            if (value == null || !pattern.matcher(value).matches()) {
                throw invalid(String.valueOf(value));
            }
            return value;
        }
    }

    /** An ISO-8601 duration (e.g. {@code PT1H}, {@code P2D}, {@code PT0.5S}) within a range. */
    public static final class DurationSetting extends Setting<Duration> {
        private final Duration min;
        private final Duration max;
        private final Duration def;

        private DurationSetting(String property, Duration min, Duration max, Duration def) {
            super(property);
            this.min = min;
            this.max = max;
            this.def = def;
        }

        @Override
        public Duration defaultValue() {
            return def;
        }

        @Override
        public String range() {
            return "an ISO-8601 duration from " + min + " to " + max;
        }

        @Override
        public Duration parse(String text) {
            Duration value;
            try {
                value = Duration.parse(text);
            } catch (DateTimeParseException e) {
                throw invalid(text);
            }
            return check(value);
        }

        @Override
        public Duration check(Duration value) {
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw invalid(value.toString());
            }
            return value;
        }
    }

    /** An integer within a range. */
    public static final class IntSetting extends Setting<Integer> {
        private final int min;
        private final int max;
        private final int def;

        private IntSetting(String property, int min, int max, int def) {
            super(property);
            this.min = min;
            this.max = max;
            this.def = def;
        }

        @Override
        public Integer defaultValue() {
            return def;
        }

        @Override
        public String range() {
            return "an integer from " + min + " to " + max;
        }

        @Override
        public Integer parse(String text) {
            try {
                return check(Integer.parseInt(text));
            } catch (NumberFormatException e) {
                throw invalid(text);
            }
        }

        @Override
        public Integer check(Integer value) {
            if (value < min || value > max) {
                throw invalid(String.valueOf(value));
            }
            return value;
        }
    }
}
