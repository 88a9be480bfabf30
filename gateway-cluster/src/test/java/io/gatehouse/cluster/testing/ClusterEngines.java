package io.gatehouse.cluster.testing;

import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests an {@link EmbeddedKafka} and an {@link EmbeddedPostgres} (as parameters of test, lifecycle or
 * constructor methods), each started once per test run on first use and stopped at its end. A test whose
 * engine cannot be started here is skipped with the reason, and so is every later one without a second try.
 */
public final class ClusterEngines implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClusterEngines.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == EmbeddedKafka.class || type == EmbeddedPostgres.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        Engine<?> engine = type == EmbeddedKafka.class
                ? shared(context, EmbeddedKafka.class, EmbeddedKafka::start, Optional::empty)
                : shared(context, EmbeddedPostgres.class, EmbeddedPostgres::start, EmbeddedPostgres::unavailableReason);
        Assumptions.assumeTrue(engine.running != null, () -> type.getSimpleName() + " unavailable: " + engine.failure);
        return engine.running;
    }

    private static <T extends AutoCloseable> Engine<?> shared(ExtensionContext context, Class<T> type, Callable<T> start,
                                                              Callable<Optional<String>> unavailable) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(type, key -> Engine.start(start, unavailable),
                Engine.class);
    }

    /** A started engine, or why it could not start. Closed by JUnit at the end of the run. */
    private static final class Engine<T extends AutoCloseable> implements AutoCloseable {
        final T running;
        final String failure;

        private Engine(T running, String failure) {
            this.running = running;
            this.failure = failure;
        }

        static <T extends AutoCloseable> Engine<T> start(Callable<T> start, Callable<Optional<String>> unavailable) {
            try {
                Optional<String> reason = unavailable.call();
                if (reason.isPresent()) {
                    return new Engine<>(null, reason.get());
                }
                return new Engine<>(start.call(), null);
            } catch (Exception e) {
                return new Engine<>(null, e.getMessage());
            }
        }

        @Override
        public void close() throws Exception {
            if (running != null) {
                running.close();
            }
        }
    }
}
