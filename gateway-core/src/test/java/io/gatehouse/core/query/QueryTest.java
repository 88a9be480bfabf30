package io.gatehouse.core.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The query language, table-driven: which of three twins each query selects, and what each bad query is told. */
class QueryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<JsonNode> TWINS = List.of(
            twin("{'deviceId':'sensor-1','status':'enabled','version':3,'tags':{'site':'north','floor':2},"
                    + "'properties':{'desired':{'rate':5,'$version':2},'reported':{'fw':'1.2','on':true,'$version':4}}}"),
            twin("{'deviceId':'sensor-2','status':'disabled','version':1,'tags':{'site':'south','floor':5},"
                    + "'properties':{'desired':{'$version':1},'reported':{'fw':'1.10','on':false,'$version':1}}}"),
            twin("{'deviceId':'pump-1','status':'enabled','version':7,"
                    + "'properties':{'desired':{'rate':50,'mode':{'x':'a b'},'$version':6},'reported':{'$version':1}}}"));

    private static JsonNode twin(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Stream<Arguments> selections() {
        return Stream.of(
                Arguments.of("SELECT * FROM devices", List.of("sensor-1", "sensor-2", "pump-1")),
                Arguments.of("select * from DEVICES", List.of("sensor-1", "sensor-2", "pump-1")),
                Arguments.of("SELECT * FROM devices WHERE deviceId = 'pump-1'", List.of("pump-1")),
                Arguments.of("SELECT * FROM devices WHERE deviceId = \"pump-1\"", List.of("pump-1")),
                Arguments.of("SELECT * FROM devices WHERE tags.site = 'north'", List.of("sensor-1")),
                Arguments.of("SELECT * FROM devices WHERE tags.floor >= 2 AND tags.floor < 5", List.of("sensor-1")),
                Arguments.of("SELECT * FROM devices WHERE tags.floor != 2", List.of("sensor-2")),
                Arguments.of("SELECT * FROM devices WHERE tags.floor <> 2", List.of("sensor-2")),
                Arguments.of("SELECT * FROM devices WHERE status = 'enabled'", List.of("sensor-1", "pump-1")),
                Arguments.of("SELECT * FROM devices WHERE properties.desired.rate > 10", List.of("pump-1")),
                Arguments.of("SELECT * FROM devices WHERE properties.desired.rate = 5.0", List.of("sensor-1")),
                Arguments.of("SELECT * FROM devices WHERE properties.desired.mode.x = 'a b'", List.of("pump-1")),
                Arguments.of("SELECT * FROM devices WHERE properties.desired['mode']['x'] = 'a b'", List.of("pump-1")),
                Arguments.of("SELECT * FROM devices WHERE properties.reported.on = true", List.of("sensor-1")),
                Arguments.of("SELECT * FROM devices WHERE properties.reported.on = false", List.of("sensor-2")),
                Arguments.of("SELECT * FROM devices WHERE properties.reported.fw < '1.2'", List.of("sensor-2")),
                Arguments.of("SELECT * FROM devices WHERE properties.reported.fw = 1.2", List.of()),
                Arguments.of("SELECT * FROM devices WHERE tags.site = 'north' OR tags.site = 'south'", List.of("sensor-1", "sensor-2")),
                Arguments.of("SELECT * FROM devices WHERE NOT tags.site = 'north'", List.of("sensor-2", "pump-1")),
                Arguments.of("SELECT * FROM devices WHERE tags.site = 'x' OR tags.floor = 2 AND status = 'enabled'", List.of("sensor-1")),
                Arguments.of("SELECT * FROM devices WHERE (tags.site = 'north' OR tags.site = 'south') AND status = 'disabled'", List.of("sensor-2")),
                Arguments.of("SELECT * FROM devices WHERE deviceId IN ['x']", null),
                Arguments.of("SELECT * FROM devices WHERE deviceId IN ('pump-1', 'sensor-2')", List.of("sensor-2", "pump-1")),
                Arguments.of("SELECT * FROM devices WHERE tags.floor NIN (2, 3)", List.of("sensor-2")),
                Arguments.of("SELECT * FROM devices WHERE tags.floor NOT IN (2)", List.of("sensor-2")),
                Arguments.of("SELECT * FROM devices WHERE IS_DEFINED(tags.site)", List.of("sensor-1", "sensor-2")),
                Arguments.of("SELECT * FROM devices WHERE NOT is_defined(properties.desired.rate)", List.of("sensor-2")),
                Arguments.of("SELECT * FROM devices WHERE STARTSWITH(deviceId, 'sensor')", List.of("sensor-1", "sensor-2")),
                Arguments.of("SELECT * FROM devices WHERE startswith(deviceId, 'pump') AND version > 5", List.of("pump-1")),
                Arguments.of("SELECT * FROM devices WHERE tags.nothing = 1 OR tags.nothing != 1", List.of()),
                Arguments.of("SELECT * FROM devices WHERE deviceId = 'it''s'", List.of()),
                Arguments.of("SELECT * FROM devices WHERE properties.desired.rate > -1", List.of("sensor-1", "pump-1")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("selections")
    void selects(String text, List<String> expected) {
        if (expected == null) {
            assertThatThrownBy(() -> Query.parse(text)).isInstanceOf(QueryException.class);
            return;
        }
        Query query = Query.parse(text);
        assertThat(query.isCount()).isFalse();
        assertThat(TWINS.stream().filter(query::matches).map(t -> t.get("deviceId").asText()).toList())
                .containsExactlyElementsOf(expected);
    }

    static Stream<Arguments> counts() {
        return Stream.of(
                Arguments.of("SELECT COUNT() AS numberOfDevices FROM devices", "numberOfDevices", 3),
                Arguments.of("SELECT COUNT() FROM devices WHERE status = 'enabled'", "$1", 2),
                Arguments.of("select count() as n from devices where tags.site = 'south'", "n", 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("counts")
    void counts(String text, String alias, int count) {
        Query query = Query.parse(text);
        assertThat(query.isCount()).isTrue();
        assertThat(query.countAlias()).isEqualTo(alias);
        assertThat(TWINS.stream().filter(query::matches).count()).isEqualTo(count);
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("", "empty"),
                Arguments.of("DELETE FROM devices", "expected SELECT but found 'DELETE'"),
                Arguments.of("SELECT deviceId FROM devices", "a projection (SELECT deviceId)"),
                Arguments.of("SELECT properties.reported.fw, deviceId FROM devices", "a projection (SELECT properties.reported.fw , deviceId)"),
                Arguments.of("SELECT TOP 5 * FROM devices", "SELECT TOP is not supported"),
                Arguments.of("SELECT * FROM devices.modules", "FROM devices.modules is not supported"),
                Arguments.of("SELECT * FROM devices.jobs", "FROM devices.jobs is not supported"),
                Arguments.of("SELECT * FROM jobs", "FROM jobs is not supported"),
                Arguments.of("SELECT * FROM devices GROUP BY tags.site", "GROUP BY is not supported"),
                Arguments.of("SELECT * FROM devices WHERE status = 'enabled' ORDER BY deviceId", "ORDER BY is not supported"),
                Arguments.of("SELECT * FROM devices WHERE ENDSWITH(deviceId, '1')", "the function ENDSWITH is not supported"),
                Arguments.of("SELECT * FROM devices WHERE deviceId LIKE 'x%'", "the operator LIKE is not supported"),
                Arguments.of("SELECT * FROM devices WHERE deviceId = 'open", "a string is not closed at position 40"),
                Arguments.of("SELECT * FROM devices WHERE deviceId =", "expected a property or a value but found the end of the query"),
                Arguments.of("SELECT * FROM devices WHERE (status = 'enabled'", "expected ')' but found the end of the query"),
                Arguments.of("SELECT * FROM devices WHERE status = 'x' AND", "expected a property or a value but found the end of the query"),
                Arguments.of("SELECT * FROM devices WHERE status = 'x' extra", "unexpected 'extra' at position 42"),
                Arguments.of("SELECT * FROM devices WHERE status # 1", "unexpected character '#'"),
                Arguments.of("SELECT * FROM devices WHERE deviceId IN (tags.x)", "a property path inside IN (...) is not supported"),
                Arguments.of("SELECT COUNT(*) FROM devices", "expected ')' but found '*'"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("refusals")
    void refuses(String text, String message) {
        assertThatThrownBy(() -> Query.parse(text)).isInstanceOf(QueryException.class).hasMessageContaining(message);
    }
}
