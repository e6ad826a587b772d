package io.github.betavae.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BetaScheduleTest {

  @Test
  void constantIsTheSameAtEveryStep() {
    BetaSchedule s = BetaSchedule.constant(4);
    assertEquals(4, s.at(0));
    assertEquals(4, s.at(1_000_000_000L));
    assertEquals("constant β=4", s.describe());
  }

  @Test
  void warmupFromZeroRisesLinearlyThenHolds() {
    BetaSchedule s = BetaSchedule.warmup(4, 1000);
    assertEquals(0, s.at(0));
    assertEquals(1, s.at(250), 1e-12);
    assertEquals(2, s.at(500), 1e-12);
    assertEquals(4 * 999 / 1000.0, s.at(999), 1e-12);
    assertEquals(4, s.at(1000));
    assertEquals(4, s.at(5000));
  }

  @Test
  void warmupFromAStartValue() {
    BetaSchedule s = BetaSchedule.warmup(1, 5, 100);
    assertEquals(1, s.at(0));
    assertEquals(3, s.at(50), 1e-12);
    assertEquals(5, s.at(100));
    assertEquals(5, BetaSchedule.warmup(1, 5, 0).at(0), "a warm-up of 0 steps is the target from the start");
  }

  @Test
  void cyclicalRisesOverTheFirstRatioOfEachCycleAndRestartsAtBoundaries() {
    // T = 1000, M = 4: cycles of 250 steps, rising over the first 125.
    BetaSchedule s = BetaSchedule.cyclical(2, 1000, 4);
    for (int c = 0; c < 4; c++) {
      long start = 250L * c;
      assertEquals(0, s.at(start), 1e-12, "cycle " + c + " starts at 0");
      assertEquals(0.8, s.at(start + 50), 1e-12, "two fifths of the rise");
      assertEquals(2, s.at(start + 125), 1e-12, "top reached at ratio·period");
      assertEquals(2, s.at(start + 249), 1e-12, "plateau until the cycle ends");
    }
    assertEquals(2, s.at(1000), "after the cycles β holds");
    assertEquals(2, s.at(10_000));
  }

  @Test
  void cyclicalWithOtherRatioAndUnevenPeriod() {
    BetaSchedule s = BetaSchedule.cyclical(1, 10, 3, 1.0); // period 10/3
    // t=4: position (4·3 mod 10)/10 = 0.2 of a cycle; ratio 1 so β = 0.2.
    assertEquals(0.2, s.at(4), 1e-12);
    assertEquals(0.9, s.at(3), 1e-12); // 9/10 of the first cycle
    assertEquals(0.5, s.at(5), 1e-12); // 15 mod 10 = 5
    assertEquals(0.1, s.at(7), 1e-12); // third cycle starts at 6.67; 21 mod 10 = 1
  }

  @Test
  void rejectsBadSettingsWithTheExpectation() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BetaSchedule.constant(-1));
    assertTrue(e.getMessage().contains("≥ 0") && e.getMessage().contains("-1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> BetaSchedule.warmup(4, -5));
    assertThrows(IllegalArgumentException.class, () -> BetaSchedule.cyclical(4, 100, 0));
    assertThrows(IllegalArgumentException.class, () -> BetaSchedule.cyclical(4, 100, 4, 0));
    assertThrows(IllegalArgumentException.class, () -> BetaSchedule.cyclical(4, 100, 4, 1.5));
    assertThrows(IllegalArgumentException.class, () -> BetaSchedule.constant(Double.NaN));
  }

  @Test
  void settingsNameTheKindAndEveryParameter() {
    Map<String, Object> m = BetaSchedule.cyclical(4, 1000, 4).settings();
    assertEquals("cyclical", m.get("kind"));
    assertEquals(4.0, m.get("beta"));
    assertEquals(1000L, m.get("totalSteps"));
    assertEquals(4, m.get("cycles"));
    assertEquals(0.5, m.get("ratio"));
    assertEquals("cyclical β 0 → 4, 4 cycles over 1000 steps, rising over 0.5 of each",
        BetaSchedule.cyclical(4, 1000, 4).describe());
  }
}
