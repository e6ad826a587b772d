package io.github.betavae.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObjectiveSettingsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Through JSON text, as config.json stores it: integers come back as Integer, not Long. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> viaJson(Map<String, Object> m) throws Exception {
    return JSON.readValue(JSON.writeValueAsString(m), Map.class);
  }

  @Test
  void everyObjectiveComesBackEqualFromItsSettings() throws Exception {
    List<Objective> all = List.of(Objective.beta(4), Objective.scheduled(BetaSchedule.warmup(0.5, 8, 300)),
        Objective.scheduled(BetaSchedule.cyclical(4, 1000, 4, 0.5)), Objective.freeBits(0.25, 2),
        Objective.freeBits(0.5, BetaSchedule.cyclical(1, 90, 3, 0.25)), Objective.capacity(1000, 25, 5000));
    for (Objective o : all) {
      Objective back = ObjectiveSettings.objective(viaJson(o.settings()));
      assertEquals(o, back, o.describe());
      float[] c1 = new float[3], c2 = new float[3];
      double[] kl = {0.1, 0.4, 3};
      assertEquals(o.evaluate(10, kl, 77, c1), back.evaluate(10, kl, 77, c2));
    }
  }

  @Test
  void unknownKindsAndMissingEntriesAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ObjectiveSettings.objective(Map.of("kind", "magic")));
    assertTrue(e.getMessage().contains("found magic"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ObjectiveSettings.objective(Map.of("kind", "capacity", "gamma", 1000)));
    assertTrue(e.getMessage().contains("capacityMax"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ObjectiveSettings.schedule(Map.of("kind", "warmup", "start", 0, "beta", 1, "steps", 2.5)));
    assertTrue(e.getMessage().contains("integer steps"), e.getMessage());
  }
}
