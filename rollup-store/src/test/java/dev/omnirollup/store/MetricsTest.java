package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void rendersTheTextFormatWithSortedSeriesAndPlainNumbers() {
        Metrics metrics = new Metrics();
        AtomicLong kept = new AtomicLong(7);
        metrics.counter("requests_total", "Requests.", "route", "/b").add(2);
        metrics.counter("requests_total", "Requests.", "route", "/a").inc();
        metrics.counter("kept_total", "Counted elsewhere.", kept::get);
        metrics.gauge("open", "Open now.", () -> 1.5);
        Metrics.Histogram seconds = metrics.histogram("seconds", "Time.", new double[] {0.0005, 0.25, 1}, "route", "/a");
        seconds.observe(0.0001);
        seconds.observe(0.3);
        kept.set(9);

        assertEquals("""
                # HELP requests_total Requests.
                # TYPE requests_total counter
                requests_total{route="/a"} 1
                requests_total{route="/b"} 2
                # HELP kept_total Counted elsewhere.
                # TYPE kept_total counter
                kept_total 9
                # HELP open Open now.
                # TYPE open gauge
                open 1.5
                # HELP seconds Time.
                # TYPE seconds histogram
                seconds_bucket{route="/a",le="0.0005"} 1
                seconds_bucket{route="/a",le="0.25"} 1
                seconds_bucket{route="/a",le="1"} 2
                seconds_bucket{route="/a",le="+Inf"} 2
                seconds_sum{route="/a"} 0.3001
                seconds_count{route="/a"} 2
                """, metrics.scrape());
    }

    @Test
    void numbersAreWholeOrShortestPlainDecimals() {
        assertEquals("0.0005", Metrics.format(0.0005));
        assertEquals("2.5", Metrics.format(2.5));
        assertEquals("1", Metrics.format(1.0));
        assertEquals("-3", Metrics.format(-3.0));
        assertEquals("0.1", Metrics.format(0.1));
        assertEquals("+Inf", Metrics.format(Double.POSITIVE_INFINITY));
        assertEquals("NaN", Metrics.format(Double.NaN));
        assertTrue(Metrics.format(1e-9).startsWith("0.000000001"));
    }

    @Test
    void labelValuesAreEscaped() {
        Metrics metrics = new Metrics();
        metrics.counter("c_total", "C.", "path", "a\"b\\c\nd").inc();
        assertTrue(metrics.scrape().contains("c_total{path=\"a\\\"b\\\\c\\nd\"} 1"), metrics.scrape());
    }
}
