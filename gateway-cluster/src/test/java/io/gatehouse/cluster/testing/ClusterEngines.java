package io.gatehouse.cluster.testing;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests an {@link EmbeddedKafka} and an {@link EmbeddedPostgres} (as parameters of test methods or of the
 * test class's constructor), each started once per test run on first use and stopped at its end. A test class
 * or method that asks for an engine that cannot be started here is skipped with the reason, and every later
 * one too, without a second try.
 */
public final class ClusterEngines implements ExecutionCondition, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClusterEngines.class);

    /** Starts the engines the class's constructor or the test method asks for; disabled when one cannot start. */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Stream<Class<?>> wanted = context.getTestMethod().isPresent()
                ? Arrays.stream(context.getRequiredTestMethod().getParameterTypes())
                : Arrays.stream(context.getRequiredTestClass().getDeclaredConstructors())
                        .flatMap(constructor -> Arrays.stream(constructor.getParameterTypes()));
        return wanted.filter(ClusterEngines::isEngine).map(type -> engine(context, type))
                .filter(engine -> engine.running == null).findFirst()
                .map(missing -> ConditionEvaluationResult.disabled(missing.failure))
                .orElse(ConditionEvaluationResult.enabled("the engines it needs are running"));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return isEngine(parameter.getParameter().getType());
    }

    private static boolean isEngine(Class<?> type) {
        return type == EmbeddedKafka.class || type == EmbeddedPostgres.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Engine<?> engine = engine(context, parameter.getParameter().getType());
        if (engine.running == null) {
            // the execution condition disabled every test that gets here: this is a test that bypassed it
            throw new ParameterResolutionException(engine.failure);
        }
        return engine.running;
    }

    private static Engine<?> engine(ExtensionContext context, Class<?> type) {
        return type == EmbeddedKafka.class
                ? shared(context, EmbeddedKafka.class, EmbeddedKafka::start, Optional::empty)
                : shared(context, EmbeddedPostgres.class, EmbeddedPostgres::start, EmbeddedPostgres::unavailableReason);
    }

    private static <T extends AutoCloseable> Engine<?> shared(ExtensionContext context, Class<T> type, Callable<T> start,
                                                              Callable<Optional<String>> unavailable) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(type, key -> Engine.start(type.getSimpleName(), start, unavailable),
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

        static <T extends AutoCloseable> Engine<T> start(String name, Callable<T> start, Callable<Optional<String>> unavailable) {
            try {
                Optional<String> reason = unavailable.call();
                if (reason.isPresent()) {
                    return new Engine<>(null, name + " unavailable: " + reason.get());
                }
                return new Engine<>(start.call(), null);
            } catch (Exception e) {
                return new Engine<>(null, name + " unavailable: " + e.getMessage());
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
