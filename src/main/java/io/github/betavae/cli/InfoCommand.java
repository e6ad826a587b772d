package io.github.betavae.cli;

import io.github.betavae.backend.Backends;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code betavae info}: version, Java, machine, the backends this build can use, and the built-in data. */
@Command(name = "info", mixinStandardHelpOptions = true,
    description = "Prints versions, cores, devices, kernel binaries, available backends and what the built-in data is.")
public final class InfoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Runtime rt = Runtime.getRuntime();
    out.println("betavae " + BuildInfo.version());
    out.println("java " + BuildInfo.java() + ", " + System.getProperty("java.vm.name"));
    out.println("os " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
        + rt.availableProcessors() + " cores, max heap " + rt.maxMemory() / (1024 * 1024) + " MiB");
    out.println("backends:");
    for (String line : Backends.info().split("\\R")) out.println("  " + line);
    out.println("data:");
    out.println(String.format(java.util.Locale.ROOT, "  dsprites (built in): the factor grid of the original dSprites (737,280 64×64 images,"
        + " ground-truth factors), shapes drawn analytically, not the original bitmaps; mean pixel %.5f (original %.5f)",
        io.github.betavae.data.DSprites.CALIBRATED_MEAN, io.github.betavae.data.DSprites.ORIGINAL_MEAN));
    out.println("  for scores comparable with published ones, train and score on the original"
        + " dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz (--data FILE; it loads as is)");
    return 0;
  }
}
