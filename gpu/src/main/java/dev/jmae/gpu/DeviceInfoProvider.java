package dev.jmae.gpu;

import java.util.List;

/**
 * Optional interface of a {@link dev.jmae.tensor.BackendProvider} that can describe its devices
 * for {@code jmae devices}: the CLI prints {@code unavailableReason()} for each provider that is
 * unavailable, and {@link #deviceInfo()} for each that implements this interface (which may list
 * devices even while the type is unavailable for another reason, e.g. CUDA devices whose NVRTC
 * is missing).
 *
 * <p>Describing must not open the devices for computation (no context, no kernels built): it reads
 * what the driver reports.
 */
public interface DeviceInfoProvider {

    /**
     * The provider's devices, in index order; empty when none can be listed (no driver).
     *
     * @return one entry per device
     */
    List<DeviceInfo> deviceInfo();
}
