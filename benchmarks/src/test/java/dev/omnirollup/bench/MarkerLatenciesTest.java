package dev.omnirollup.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class MarkerLatenciesTest {
    private static final long MS = 1_000_000;

    @Test
    void eachMarkerMeetsTheFirstAnswerCountingEveryRowUpToIt() {
        List<AutomationRunWriter.Marker> markers = List.of(
                new AutomationRunWriter.Marker(100 * MS, 1, 2 * MS),   // warm-up: left out
                new AutomationRunWriter.Marker(1_000 * MS, 6, 3 * MS),
                new AutomationRunWriter.Marker(1_250 * MS, 11, 4 * MS),
                new AutomationRunWriter.Marker(1_500 * MS, 16, 5 * MS));
        List<ExecutionsPoller.Sighting> sightings = List.of(
                new ExecutionsPoller.Sighting(700 * MS, 3),
                new ExecutionsPoller.Sighting(1_600 * MS, 12),      // counts markers 2 and 3, not 4
                new ExecutionsPoller.Sighting(2_000 * MS, 15));     // still short of marker 4

        MarkerLatencies result = MarkerLatencies.of(markers, sightings, 500 * MS);

        assertEquals(3, result.markers());
        assertEquals(2, result.visible());
        assertEquals(350.0, result.visibility().ms(0), 1.0);
        assertEquals(600.0, result.visibility().maxMs(), 1.0);
        assertEquals(3, result.insert().count());
    }
}
