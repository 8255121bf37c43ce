package dev.jmae.crossmae.cli;

import dev.jmae.gpu.DeviceInfo;
import dev.jmae.gpu.DeviceInfoProvider;
import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code jmae devices}: every backend type jmae found ({@code reference}, {@code cpu} and the device
 * providers, {@code opencl} and {@code cuda}), and for each either its devices (name, compute
 * capability or OpenCL version, memory, driver and runtime versions, further properties) or the
 * reason it is unavailable, with what to install. Describing a device reads what the driver
 * reports; nothing is compiled or allocated.
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List every backend's devices (name, compute capability or OpenCL version, memory, driver and"
                + " runtime versions) or why the backend is unavailable.")
final class DevicesCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (BackendProvider p : Backends.providers()) {
            String reason = p.unavailableReason();
            List<DeviceInfo> infos = p instanceof DeviceInfoProvider d ? d.deviceInfo() : List.of();
            if (p.type().equals("cpu")) {
                Runtime rt = Runtime.getRuntime();
                out.printf(Locale.ROOT, "cpu: available (%d processors, Java heap at most %s, Vector API %s)%n",
                        rt.availableProcessors(), bytes(rt.maxMemory()),
                        ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? "on" : "off");
                continue;
            }
            if (p.type().equals("reference")) {
                out.println("reference: available (the executable specification: plain loops in double precision)");
                continue;
            }
            if (reason != null) {
                out.println(p.type() + ": unavailable: " + reason);
            } else {
                out.println(p.type() + ": " + p.deviceCount() + " device(s)");
            }
            for (DeviceInfo i : infos) {
                out.printf(Locale.ROOT, "  %s  %s%n", i.device(), i.name());
                out.printf(Locale.ROOT, "    %s, %s of memory%n", i.architecture(), bytes(i.memoryBytes()));
                out.println("    " + join(i.versions()));
                if (!i.properties().isEmpty()) {
                    out.println("    " + join(i.properties()));
                }
            }
        }
        out.flush();
        return 0;
    }

    private static String join(Map<String, String> m) {
        return m.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    /** Bytes as GiB (or MiB below 1 GiB). */
    static String bytes(long b) {
        return b >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
    }
}
