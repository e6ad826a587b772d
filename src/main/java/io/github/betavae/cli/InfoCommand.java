package io.github.betavae.cli;

import io.github.betavae.backend.Backends;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code betavae info}: version, Java, machine and the backends this build can use. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Prints versions, cores, devices, kernel binaries and available backends.")
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
    return 0;
  }
}
