package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.distributed.DistributedException;
import dev.jmae.nn.CheckpointException;
import dev.jmae.tensor.BackendUnavailableException;
import dev.jmae.tensor.io.SafetensorsException;
import dev.jmae.tensor.io.torch.TorchCheckpointException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * The {@code jmae} command line: one subcommand per verb. Only this class turns exceptions into
 * exit codes: 0 success, 1 a failed run (I/O, non-finite loss, a failed collective or a rank that
 * disagrees), 2 bad usage or input (config, checkpoint keys, shapes, a malformed or unsafe
 * safetensors or PyTorch file), 3 an unavailable device or MPI library.
 */
@Command(name = "jmae", mixinStandardHelpOptions = true, version = "jmae 0.1.0",
        description = "CrossMAE and MAE pretraining, evaluation and tools in pure Java.",
        subcommands = {PretrainCommand.class, FinetuneCommand.class, LinprobeCommand.class, ReconstructCommand.class,
            ProbeCommand.class, InfoCommand.class, ForwardCommand.class, StepsCommand.class, ConvertCommand.class,
            BenchCommand.class,
            DevicesCommand.class, TuneCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    private Main() {
    }

    /**
     * Runs the CLI and exits with its status.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            System.err
                    .println("jmae: the JVM was started without the Vector API module; run it through bin/jmae, or add"
                            + " --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED to the java command");
            System.exit(2);
        }
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the CLI without exiting (for tests).
     *
     * @param args the arguments
     * @param out standard output
     * @param err standard error
     * @return the exit status
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            int code;
            if (ex instanceof ConfigException || ex instanceof CheckpointException
                    || ex instanceof IllegalArgumentException
                    || ex instanceof SafetensorsException || ex instanceof TorchCheckpointException) {
                code = 2;
            } else if (ex instanceof BackendUnavailableException) {
                code = 3;
            } else if (ex instanceof IOException || ex instanceof java.io.UncheckedIOException
                    || ex instanceof dev.jmae.crossmae.train.NonFiniteLossException
                    || ex instanceof IllegalStateException
                    || ex instanceof DistributedException) {
                code = 1;
            } else {
                throw ex;
            }
            err.println("jmae " + line.getCommandName() + ": " + ex.getMessage());
            return code;
        });
        return cl.execute(args);
    }
}
