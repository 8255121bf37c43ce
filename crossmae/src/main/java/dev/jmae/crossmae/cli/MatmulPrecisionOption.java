package dev.jmae.crossmae.cli;

import dev.jmae.gpu.cuda.CudaBackend;
import dev.jmae.gpu.cuda.MatmulPrecision;
import dev.jmae.tensor.Backend;
import dev.jmae.tensor.Device;
import picocli.CommandLine.Option;

import java.io.PrintStream;

/**
 * The {@code --matmul-precision highest|high} option of the commands that run a model (a picocli
 * mixin): the precision of float32 matrix products and attention on a CUDA device, as
 * {@code torch.set_float32_matmul_precision}: {@code highest} (the default) is strict fp32,
 * {@code high} uses TF32 tensor cores (cuBLASLt's TF32 GEMMs and the flash attention kernels). Other
 * devices always compute in strict fp32 and ignore it with a note.
 */
final class MatmulPrecisionOption {

    @Option(names = "--matmul-precision", paramLabel = "highest|high",
            description = "Float32 matmul/attention precision on CUDA devices: highest (strict fp32, default) or high"
                    + " (TF32 tensor cores); ignored elsewhere.")
    String precision;

    /**
     * The precision a device's products run at, for reports.
     *
     * @param device a device
     * @return {@code ", matmul precision high"} on a CUDA device, else empty
     */
    static String describe(Device device) {
        return device.backend() instanceof CudaBackend cuda ? ", matmul precision " + cuda.matmulPrecision().cliName()
                : "";
    }

    /**
     * Applies the option to a device's backend (before the model runs).
     *
     * @param device the device the command runs on
     * @param console where the note for non-CUDA devices goes
     * @throws IllegalArgumentException if the value is neither highest nor high
     */
    void apply(Device device, PrintStream console) {
        if (precision == null) {
            return;
        }
        MatmulPrecision p = MatmulPrecision.parse(precision);
        Backend be = device.backend();
        if (be instanceof CudaBackend cuda) {
            cuda.setMatmulPrecision(p);
        } else {
            console.println("note: --matmul-precision " + p.cliName() + " is ignored on " + device + " (only CUDA"
                    + " devices have a TF32 mode; " + device + " computes in strict fp32)");
        }
    }
}
