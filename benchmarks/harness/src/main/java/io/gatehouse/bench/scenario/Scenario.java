package io.gatehouse.bench.scenario;

import io.gatehouse.bench.broker.Broker;
import io.gatehouse.bench.broker.MessagePath;
import io.gatehouse.bench.broker.RunningBroker;
import io.gatehouse.bench.report.ResultRow;
import java.util.List;
import java.util.Optional;

/** One benchmark scenario, run against one freshly started broker per repeat. */
public interface Scenario {

    /** The scenario's id in the report ({@code latency-floor}, {@code d2c-capacity}, ...). */
    String id();

    /** Why the scenario does not apply to a broker (e.g. it has no AMQP), or empty when it does. */
    default Optional<String> notApplicable(Broker broker) {
        return Optional.empty();
    }

    /** Which store the scenario's messages go through: it sets the durability label of its rows. */
    default MessagePath path() {
        return MessagePath.EVENTS;
    }

    /** How many devices the broker must know (Gatehouse declares them at start; peers accept any client id). */
    int devicesNeeded(Scale scale);

    List<ResultRow> run(RunningBroker broker, ScenarioContext context) throws Exception;
}
