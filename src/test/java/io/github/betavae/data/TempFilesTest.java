package io.github.betavae.data;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TempFilesTest {
  @Test
  void leftoversOfDeadProcessesGoLiveOnesStay() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor(10, TimeUnit.SECONDS);
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Path dead = Files.createFile(tmp.resolve("betavae-" + gone.pid() + "-12345.tmp"));
    Path mine = Files.createFile(tmp.resolve("betavae-" + ProcessHandle.current().pid() + "-12345.tmp"));
    Path other = Files.createFile(tmp.resolve("betavae-notours-" + gone.pid() + ".tmp"));
    try {
      TempFiles.removeDeadLeftovers();
      assertFalse(Files.exists(dead), "a dead process's inflated data is removed");
      assertTrue(Files.exists(mine), "this process's own file is left to it");
      assertTrue(Files.exists(other), "a name that is not ours is never touched");
    } finally {
      Files.deleteIfExists(dead);
      Files.deleteIfExists(mine);
      Files.deleteIfExists(other);
    }
  }

  @Test
  void anInflatedFileCarriesThePidAndIsRegisteredForExit() throws Exception {
    Path f = TempFiles.inflate(new ByteArrayInputStream(new byte[] {1, 2, 3}), "test data");
    try {
      assertTrue(f.getFileName().toString().startsWith("betavae-" + ProcessHandle.current().pid() + "-"), f.toString());
      assertTrue(Files.size(f) == 3);
    } finally {
      TempFiles.release(f);
    }
    assertFalse(Files.exists(f));
  }
}
