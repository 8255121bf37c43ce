package dev.jmae.crossmae.cli;

import dev.jmae.tensor.Settings;
import dev.jmae.tensor.cpu.GemmTuner;
import dev.jmae.tensor.cpu.GemmTuning;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code jmae tune}: runs the {@code cpu} GEMM's tuning search now ({@link GemmTuner#search}),
 * whatever is cached, prints every candidate tried (GFLOP/s per timed product, the chosen row
 * marked {@code *}), the machine key and the cache file the choice was written to; later runs on
 * this machine use it. {@code --show} prints the tuning a run would use, without searching unless
 * the cache is empty and searching is on.
 */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = "Search the cpu GEMM's register tile, blocking and thread split for this machine, print the"
                + " table of candidates and cache the choice (used by later runs).")
final class TuneCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--budget", paramLabel = "SECONDS", defaultValue = "10",
            description = "Time the search may take, in seconds (default: ${DEFAULT-VALUE}); every candidate is timed"
                    + " at least twice whatever the budget.")
    double budget;

    @Option(names = "--shapes", paramLabel = "LAYOUT:MxNxK[,...]",
            description = "Products to time instead of the built-in set, e.g. NT:3200x2304x768,TN:768x2304x3200"
                    + " (layout NN, NT, TN or TT: T means that operand is stored transposed).")
    String shapes;

    @Option(names = "--show", description = "Print the tuning in force (and where it comes from) instead of searching.")
    boolean show;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!(budget > 0) || !Double.isFinite(budget)) {
            throw new ParameterException(spec.commandLine(),
                    "--budget must be a positive number of seconds, given " + budget);
        }
        out.println("machine: " + GemmTuner.machineKey());
        if (show) {
            String pin = Settings.gemmTuning();
            if (!pin.equals("auto")) {
                out.println("pinned by " + Settings.GEMM_TUNING + "=" + pin);
                out.println("tuning: " + GemmTuning.parse(pin).spec());
                return 0;
            }
            GemmTuner.Outcome o = GemmTuner.cachedOrSearch(Settings.cacheDir(), Settings.gemmSearch(),
                    Settings.gemmSearchBudget(), GemmTuner.DEFAULT_SHAPES, out::println);
            out.println("tuning: " + o.tuning().spec());
            out.println(
                    "source: " + o.source().name().toLowerCase(Locale.ROOT) + " (cache file " + o.cacheFile() + ")");
            return 0;
        }
        List<GemmTuner.Shape> timed = parseShapes();
        out.printf(Locale.ROOT, "searching for at most about %.0f s on %d thread(s) ...%n", budget,
                dev.jmae.tensor.cpu.Parallel.threads());
        out.flush();
        GemmTuner.Result r = GemmTuner.search(Settings.cacheDir(), budget, timed, out::println);
        out.print(GemmTuner.table(r));
        out.printf(Locale.ROOT, "chosen (*): %s%nsearch took %.1f s%n", r.chosen().spec(), r.seconds());
        out.println(r.cacheFile() != null ? "cached in " + r.cacheFile() : "not cached (see the warning above)");
        if (!Settings.gemmTuning().equals("auto")) {
            out.println("note: " + Settings.GEMM_TUNING + "=" + Settings.gemmTuning()
                    + " is set, so runs in this environment use that tuning, not the cached one");
        }
        return 0;
    }

    private List<GemmTuner.Shape> parseShapes() {
        if (shapes == null) {
            return GemmTuner.DEFAULT_SHAPES;
        }
        List<GemmTuner.Shape> list = new ArrayList<>();
        for (String item : shapes.split(",")) {
            Matcher m = SHAPE.matcher(item.trim());
            if (!m.matches()) {
                throw new ParameterException(spec.commandLine(), "--shapes: '" + item + "' is not LAYOUT:MxNxK;"
                        + " hint: e.g. NN:1024x1024x1024 (LAYOUT one of NN, NT, TN, TT)");
            }
            try {
                list.add(new GemmTuner.Shape(Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)),
                        Integer.parseInt(m.group(5)), m.group(1).equals("T"), m.group(2).equals("T")));
            } catch (NumberFormatException e) {
                throw new ParameterException(spec.commandLine(), "--shapes: '" + item + "': a size is too large");
            }
        }
        return list;
    }

    private static final Pattern SHAPE = Pattern
            .compile("([NT])([NT]):([1-9][0-9]{0,5})x([1-9][0-9]{0,5})x([1-9][0-9]{0,5})");
}
