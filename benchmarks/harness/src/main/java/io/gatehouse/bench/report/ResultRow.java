package io.gatehouse.bench.report;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One line of the results: a scenario (and its variant, e.g. a connection count) on one broker, with its
 * durability label. Figures that do not apply stay null and are left out of the JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonPropertyOrder({"scenario", "variant", "broker", "durability"})
public final class ResultRow {

    String scenario;
    String variant;
    String broker;
    String durability;
    Double msgsPerSec;
    Double p50Micros;
    Double p99Micros;
    Double p999Micros;
    Double cpuMicrosPerMsg;
    Double bytesPerConnection;
    Double heapBytesPerConnection;
    Double connectsPerSec;
    Double p99AtHalfRateMicros;
    Double msgsPerSecWithinTightP99;
    Double loadGeneratorCpu;
    Long connections;
    Long messages;
    Long duplicates;
    Long losses;
    Long errors;
    Long rssBytes;
    Long peakRssBytes;
    Integer repeats;
    Boolean smoke;
    String notes;

    ResultRow() {
    }

    public static ResultRow of(String scenario, String variant, String broker, String durability) {
        ResultRow r = new ResultRow();
        r.scenario = scenario;
        r.variant = variant;
        r.broker = broker;
        r.durability = durability;
        return r;
    }

    public ResultRow msgsPerSec(double v) { msgsPerSec = v; return this; }
    public ResultRow latency(double p50, double p99, double p999) { p50Micros = p50; p99Micros = p99; p999Micros = p999; return this; }
    public ResultRow cpuMicrosPerMsg(double v) { cpuMicrosPerMsg = v; return this; }
    public ResultRow bytesPerConnection(double v) { bytesPerConnection = v; return this; }
    public ResultRow heapBytesPerConnection(double v) { heapBytesPerConnection = v; return this; }
    public ResultRow connectsPerSec(double v) { connectsPerSec = v; return this; }
    public ResultRow p99AtHalfRateMicros(double v) { p99AtHalfRateMicros = v; return this; }
    public ResultRow msgsPerSecWithinTightP99(double v) { msgsPerSecWithinTightP99 = v; return this; }
    public ResultRow loadGeneratorCpu(double v) { loadGeneratorCpu = v; return this; }
    public ResultRow connections(long v) { connections = v; return this; }
    public ResultRow messages(long v) { messages = v; return this; }
    public ResultRow duplicates(long v) { duplicates = v; return this; }
    public ResultRow losses(long v) { losses = v; return this; }
    public ResultRow errors(long v) { errors = v; return this; }
    public ResultRow rssBytes(long v) { rssBytes = v; return this; }
    public ResultRow peakRssBytes(long v) { peakRssBytes = v; return this; }

    public ResultRow note(String note) {
        if (note != null && !note.isBlank()) {
            notes = notes == null ? note : notes.contains(note) ? notes : notes + "; " + note;
        }
        return this;
    }

    public String scenario() { return scenario; }
    public String variant() { return variant; }
    public String broker() { return broker; }
    public String durability() { return durability; }
    public Double msgsPerSec() { return msgsPerSec; }
    public Double p50Micros() { return p50Micros; }
    public Double p99Micros() { return p99Micros; }
    public Double p999Micros() { return p999Micros; }
    public Double cpuMicrosPerMsg() { return cpuMicrosPerMsg; }
    public Double bytesPerConnection() { return bytesPerConnection; }
    public Double heapBytesPerConnection() { return heapBytesPerConnection; }
    public Double connectsPerSec() { return connectsPerSec; }
    public Double p99AtHalfRateMicros() { return p99AtHalfRateMicros; }
    public Double msgsPerSecWithinTightP99() { return msgsPerSecWithinTightP99; }
    public Long connections() { return connections; }
    public Long duplicates() { return duplicates; }
    public Long losses() { return losses; }
    public Long errors() { return errors; }
    public Long peakRssBytes() { return peakRssBytes; }
    public Long rssBytes() { return rssBytes; }
    public String notes() { return notes; }
}
