package io.gatehouse.core.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which top-level twin properties a query's conditions read, wherever in the clause they stand. */
class QueryReadsTest {

    private static final Set<String> CONNECTION = Set.of("connectionState", "cloudToDeviceMessageCount");

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SELECT * FROM devices | false",
            "SELECT COUNT() FROM devices WHERE tags.site = 'north' | false",
            "SELECT * FROM devices WHERE properties.reported.connectionState = 'x' | false",
            "SELECT * FROM devices WHERE connectionState = 'Connected' | true",
            "SELECT * FROM devices WHERE tags.site = 'north' AND NOT (status = 'disabled' OR cloudToDeviceMessageCount > 0) | true",
            "SELECT * FROM devices WHERE connectionState IN ('Connected') | true",
            "SELECT * FROM devices WHERE IS_DEFINED(connectionState) | true",
            "SELECT * FROM devices WHERE STARTSWITH(deviceId, 'pump') | false",
    })
    void readsOnlyThePropertiesItsConditionsName(String text, boolean readsConnection) {
        assertThat(Query.parse(text).readsAny(CONNECTION)).isEqualTo(readsConnection);
    }
}
