package io.github.betavae.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.model.LossStats;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {

  @Test
  void plainModePrintsEveryNStepsAndTheLast() {
    StringWriter sw = new StringWriter();
    Progress p = new Progress(new PrintWriter(sw), false, 4);
    p.onStart(new TrainListener.Plan(0, 10, 5, 8, 2));
    for (int s = 1; s <= 10; s++) {
      p.onStep(new TrainListener.Step(s, (s - 1) / 5, new LossStats(3.5, 3.0, 0.125, new double[] {0.1, 0.025}), 4.0));
    }
    p.onEnd(10);
    String[] lines = sw.toString().split("\\R");
    assertEquals(3, lines.length, sw.toString());
    assertTrue(lines[0].startsWith("step 4/10 (40%)  loss 3.500  recon 3.000  kl 0.125  "), lines[0]);
    assertTrue(lines[1].startsWith("step 8/10 (80%)"), lines[1]);
    assertTrue(lines[2].startsWith("step 10/10 (100%)") && lines[2].contains("samples/s  ETA "), lines[2]);
  }

  @Test
  void clockFormatsHoursMinutesSeconds() {
    assertEquals("0:00:59", Progress.clock(59));
    assertEquals("1:01:01", Progress.clock(3661));
  }
}
